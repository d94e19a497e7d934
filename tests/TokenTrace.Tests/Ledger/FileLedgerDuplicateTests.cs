using System.Text;

namespace TokenTrace.Tests;

/// <summary>
/// Where a file ledger can hold an id twice, and that reads (which keep no set of every id: decisions.md, 2026-12-02)
/// still count each record once and lose none.
/// </summary>
public sealed class FileLedgerDuplicateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_record_appended_again_after_its_day_was_archived_is_refused_and_counted_once()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"), new FileLedgerOptions { CompressAfterDays = 2 });
        var old = Record("old", Now.AddDays(-5));
        await ledger.AppendAsync([old, Record("other", Now.AddDays(-5)), Record("today", Now)]);
        Assert.Equal(1, (await ledger.MaintainAsync(Now)).Compressed);

        // A fresh instance (another process) and the same one both see the archive.
        Assert.Equal(new AppendResult(1, 1), await ledger.AppendAsync([old, Record("late", Now.AddDays(-5))]));
        Assert.Equal(new AppendResult(0, 2), await new JsonlUsageLedger(temp.File("u")).AppendAsync([old, Record("late", Now.AddDays(-5))]));

        Assert.Equal(["late", "old", "other", "today"], await Ids(ledger, UsageQuery.All));
    }

    [Fact]
    public async Task Ids_repeated_within_a_day_count_once_and_every_other_day_is_read_in_full()
    {
        using var temp = new TempDirectory();
        var folder = temp.File("u");
        var ledger = new JsonlUsageLedger(folder);
        await ledger.AppendAsync([.. Enumerable.Range(0, 30).Select(i => Record($"r{i:00}", Now.AddDays(-(i % 3))))]);

        // A day file copied into the archive, as a compression stopped before deleting its original leaves it, and a
        // day file holding its own lines twice (written by hand or by an older version).
        var first = Path.Combine(folder, "2026-11-21.jsonl");
        Directory.CreateDirectory(Path.Combine(folder, "archive"));
        await using (var gzip = new System.IO.Compression.GZipStream(File.Create(Path.Combine(folder, "archive", "2026-11-21.jsonl.gz")), System.IO.Compression.CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(await File.ReadAllBytesAsync(first));
        }

        var second = Path.Combine(folder, "2026-11-22.jsonl");
        await File.AppendAllTextAsync(second, await File.ReadAllTextAsync(second, Encoding.UTF8), Encoding.UTF8);

        string[] expected = [.. Enumerable.Range(0, 30).Select(i => $"r{i:00}")];
        Assert.Equal(expected, await Ids(ledger, UsageQuery.All));
        var summary = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Day], TimeZoneInfo.Utc);
        Assert.Equal([10L, 10L, 10L], summary.Rows.Select(r => r.Totals.Records));
        Assert.Equal(30, summary.Total.Records);

        var health = await ledger.CheckAsync();
        Assert.Equal(30, health.Records);
        Assert.Equal("20", health.Details["repeated ids (counted once)"]);
    }

    [Fact]
    public async Task An_id_recorded_again_with_a_timestamp_on_another_day_counts_on_each_day_and_doctor_reports_it()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Record("same", Now.AddDays(-1)), Record("once", Now.AddDays(-1))]);
        await ledger.AppendAsync([Record("same", Now)]);

        Assert.Equal(["once", "same", "same"], await Ids(ledger, UsageQuery.All));
        var health = await ledger.CheckAsync();
        Assert.Equal(3, health.Records);
        Assert.Equal("1", health.Details["repeated ids (counted again)"]);
    }

    [Fact]
    public async Task A_csv_ledger_refuses_ids_already_in_its_rotated_files_so_reads_need_no_set()
    {
        using var temp = new TempDirectory();
        var ledger = new CsvUsageLedger(temp.File("u.csv"), new FileLedgerOptions { MaxFileBytes = 1024, CompressAfterDays = 0 });
        var older = Now.AddDays(-3);
        await ledger.AppendAsync([.. Enumerable.Range(0, 20).Select(i => Record($"r{i:00}", older))]);
        Assert.Equal(1, (await ledger.MaintainAsync(older)).Rotated);
        Assert.Equal(1, (await ledger.MaintainAsync(Now)).Compressed);

        Assert.Equal(new AppendResult(1, 2), await ledger.AppendAsync([Record("r00", Now), Record("r19", Now), Record("new", Now)]));
        Assert.Equal(new AppendResult(0, 2), await new CsvUsageLedger(temp.File("u.csv")).AppendAsync([Record("r05", Now), Record("new", Now)]));

        string[] expected = [.. Enumerable.Range(0, 20).Select(i => $"r{i:00}"), "new"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), await Ids(ledger, UsageQuery.All));
    }

    [Fact]
    public async Task A_csv_archive_left_beside_its_uncompressed_original_is_read_once()
    {
        using var temp = new TempDirectory();
        var ledger = new CsvUsageLedger(temp.File("u.csv"), new FileLedgerOptions { MaxFileBytes = 1 });
        await ledger.AppendAsync([Record("a", Now), Record("b", Now)]);
        await ledger.MaintainAsync(Now);
        var rotated = Assert.Single(Directory.GetFiles(temp.File("u-archive")));
        await using (var gzip = new System.IO.Compression.GZipStream(File.Create(rotated + ".gz"), System.IO.Compression.CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(await File.ReadAllBytesAsync(rotated));
        }

        Assert.Equal(["a", "b"], await Ids(ledger, UsageQuery.All));
    }

    [Fact]
    public async Task An_append_index_dropped_past_its_bound_is_read_again_and_still_refuses_repeats()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"), new FileLedgerOptions { MaxIndexedIds = 2 });
        UsageRecord[] records = [.. Enumerable.Range(0, 12).Select(i => Record($"r{i:00}", Now.AddDays(-(i % 4))))];
        Assert.Equal(new AppendResult(12, 0), await ledger.AppendAsync(records));
        foreach (var record in records)
        {
            Assert.Equal(new AppendResult(0, 1), await ledger.AppendAsync([record]));
        }

        Assert.Equal(new AppendResult(0, 12), await ledger.AppendAsync(records));
        Assert.Equal(records.Select(r => r.Id).Order(StringComparer.Ordinal), await Ids(ledger, UsageQuery.All));
    }

    private static UsageRecord Record(string id, DateTimeOffset at) => new() { Id = id, Timestamp = at, Model = "m" };

    private static async Task<List<string>> Ids(IUsageLedger ledger, UsageQuery query)
    {
        var ids = new List<string>();
        await foreach (var record in ledger.ReadAsync(query))
        {
            ids.Add(record.Id);
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }
}
