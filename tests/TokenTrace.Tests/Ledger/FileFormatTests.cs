using System.Buffers;
using System.Text;
using CsCheck;

namespace TokenTrace.Tests;

public sealed class FileFormatTests
{
    [Fact]
    public void A_record_survives_a_json_line_round_trip()
    {
        var runs = 0;
        RecordGenerators.Record.Sample(record =>
        {
            Interlocked.Increment(ref runs);
            var buffer = new ArrayBufferWriter<byte>();
            UsageRecordJson.WriteLine(buffer, record);
            var line = buffer.WrittenSpan[..^1];
            Assert.Equal(-1, line.IndexOf((byte)'\n'));
            DeepAssert.Equal(record, UsageRecordJson.Parse(line));
        }, iter: 200);
        Assert.True(runs >= 200, $"the property ran {runs} times");
    }

    [Fact]
    public void A_record_with_every_field_set_survives_a_json_line_and_a_csv_row()
    {
        var record = UsageLedgerContract.EveryField;
        var buffer = new ArrayBufferWriter<byte>();
        UsageRecordJson.WriteLine(buffer, record);
        DeepAssert.Equal(record, UsageRecordJson.Parse(buffer.WrittenSpan[..^1]));

        var row = new StringBuilder();
        UsageRecordCsv.AppendRow(row, record);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(UsageRecordCsv.Header + "\n" + row));
        DeepAssert.Equal(record, Assert.Single(CsvFormat.Instance.Read(stream, "x.csv"), e => !e.IsHeader).Record);
    }

    [Fact]
    public void Csv_cells_that_spreadsheets_would_run_are_neutralised_and_read_back_as_written()
    {
        var record = new UsageRecord
        {
            Id = "=HYPERLINK(\"x\")",
            Timestamp = DateTimeOffset.UnixEpoch,
            Model = "@SUM(A1)",
            Attribution = new Attribution { Project = "-2+3", Job = "+cmd", Task = "'quoted", Agent = "", User = "a,b\n\"c\"" },
        };
        var text = new StringBuilder();
        UsageRecordCsv.AppendRow(text, record);
        var row = text.ToString();
        Assert.StartsWith("\"'=HYPERLINK", row, StringComparison.Ordinal);
        Assert.Contains("'@SUM(A1)", row, StringComparison.Ordinal);
        Assert.Contains("'-2+3", row, StringComparison.Ordinal);

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(UsageRecordCsv.Header + "\n" + row));
        var entry = Assert.Single(CsvFormat.Instance.Read(stream, "x.csv"), e => !e.IsHeader);
        Assert.Equal(record, entry.Record);
    }

    [Theory]
    [InlineData(".jsonl")]
    [InlineData(".csv")]
    public async Task A_torn_last_line_is_skipped_reported_and_repaired_by_the_next_append(string extension)
    {
        using var temp = new TempDirectory();
        var problems = new List<LedgerProblem>();
        var options = new FileLedgerOptions { OnProblem = problems.Add };
        IUsageLedger ledger = extension == ".csv" ? new CsvUsageLedger(temp.File("u.csv"), options) : new JsonlUsageLedger(temp.File("u"), options);
        var at = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
        await ledger.AppendAsync([new UsageRecord { Id = "a", Timestamp = at, Model = "m" }, new UsageRecord { Id = "b", Timestamp = at, Model = "m" }]);

        var file = Directory.EnumerateFiles(temp.Path, "*" + extension, SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..^9]); // a writer died in the middle of record b

        var survivors = new List<string>();
        await foreach (var r in ledger.ReadAsync(UsageQuery.All))
        {
            survivors.Add(r.Id);
        }

        Assert.Equal(["a"], survivors);
        var torn = Assert.Single(problems);
        Assert.Equal(file, torn.File);
        Assert.Equal(extension == ".csv" ? 3 : 2, torn.Line);
        Assert.False((await ledger.CheckAsync()).IsHealthy);

        await ledger.AppendAsync([new UsageRecord { Id = "c", Timestamp = at, Model = "m" }]);
        var after = new List<string>();
        await foreach (var r in ledger.ReadAsync(UsageQuery.All))
        {
            after.Add(r.Id);
        }

        Assert.Equal(["a", "c"], after);
    }

    [Fact]
    public async Task A_range_that_ends_at_midnight_does_not_open_the_day_file_that_starts_then()
    {
        using var temp = new TempDirectory();
        var problems = new List<LedgerProblem>();
        var ledger = new JsonlUsageLedger(temp.File("u"), new FileLedgerOptions { OnProblem = problems.Add });
        var day = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        await ledger.AppendAsync([new UsageRecord { Id = "a", Timestamp = day.AddHours(9), Model = "m" }, new UsageRecord { Id = "b", Timestamp = day.AddDays(1).AddHours(9), Model = "m" }]);

        // A damaged line in the next day's file: a read of the 23rd alone (Until is exclusive) has no reason to see it,
        // and a paged read through the server ends its slices at midnight for this reason.
        await File.AppendAllTextAsync(temp.File("u/2026-11-24.jsonl"), "not a record\n");
        var read = new List<string>();
        await foreach (var r in ledger.ReadAsync(new UsageQuery { Since = day, Until = day.AddDays(1) }))
        {
            read.Add(r.Id);
        }

        Assert.Equal(["a"], read);
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Old_day_files_are_gzip_archived_then_pruned_and_stay_readable_until_then()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"), new FileLedgerOptions { CompressAfterDays = 2, RetentionDays = 30 });
        var now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        await ledger.AppendAsync(
        [
            new UsageRecord { Id = "today", Timestamp = now, Model = "m" },
            new UsageRecord { Id = "old", Timestamp = now.AddDays(-5), Model = "m" },
            new UsageRecord { Id = "ancient", Timestamp = now.AddDays(-40), Model = "m" },
        ]);

        var result = await ledger.MaintainAsync(now);
        Assert.Equal(new LedgerMaintenanceResult(0, 1, 1), result);
        Assert.True(File.Exists(Path.Combine(temp.File("u"), "archive", "2026-11-18.jsonl.gz")));
        var ids = new List<string>();
        await foreach (var r in ledger.ReadAsync(UsageQuery.All))
        {
            ids.Add(r.Id);
        }

        Assert.Equal(["old", "today"], ids);

        // Re-pricing reaches archived records too.
        Assert.Equal(1, await ledger.ReviseCostsAsync([new CostRevision("old", 2m, null)]));
        var archived = new List<UsageRecord>();
        await foreach (var r in ledger.ReadAsync(new UsageQuery { Until = now.AddDays(-1) }))
        {
            archived.Add(r);
        }

        var old = Assert.Single(archived);
        Assert.Equal("old", old.Id);
        Assert.Equal(2m, old.CostUsd);
    }

    [Fact]
    public async Task A_large_csv_ledger_rotates_into_its_archive_folder()
    {
        using var temp = new TempDirectory();
        var ledger = new CsvUsageLedger(temp.File("u.csv"), new FileLedgerOptions { MaxFileBytes = 1024 });
        var now = DateTimeOffset.UtcNow;
        await ledger.AppendAsync([.. Enumerable.Range(0, 20).Select(i => new UsageRecord { Id = $"r{i}", Timestamp = now, Model = "m" })]);
        Assert.Equal(1, (await ledger.MaintainAsync(now)).Rotated);
        Assert.False(File.Exists(temp.File("u.csv")));
        await ledger.AppendAsync([new UsageRecord { Id = "r0", Timestamp = now, Model = "m" }, new UsageRecord { Id = "new", Timestamp = now, Model = "m" }]);
        var ids = new List<string>();
        await foreach (var r in ledger.ReadAsync(UsageQuery.All))
        {
            ids.Add(r.Id);
        }

        // The 20 rotated records, still readable, plus "new"; "r0" was already stored and is not stored twice.
        string[] expected = [.. Enumerable.Range(0, 20).Select(i => $"r{i}"), "new"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
    }
}
