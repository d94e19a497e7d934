using CsCheck;
using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteMigrationTests
{
    private static readonly string[][] Shapes = [[], ["model"], ["provider", "source"], ["project"], ["tag:team"], ["day", "model"], ["job", "user"], ["session", "agent", "task"]];

    private static string Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    [Fact]
    public async Task A_schema_3_ledger_is_rebuilt_narrow_with_every_record_sequence_and_summary_unchanged()
    {
        UsageRecord[] fixtures =
        [
            UsageLedgerContract.EveryField,
            UsageLedgerContract.EveryField with { Id = "more-than-12-decimals", CostUsd = 0.12345678901234567m },
            UsageLedgerContract.EveryField with { Id = "unpriced", CostUsd = null, Price = null, Impact = null, LatencyMs = null, Provider = null, Region = null },
        ];
        await RecordGenerators.Batch.SampleAsync(async generated =>
        {
            using var temp = new TempDirectory();
            var path = temp.File("usage.db");
            var records = fixtures.Concat(generated).ToArray();
            OlderLedgerFile.Create(path, 3, records, sequenceStep: 3);

            var ledger = new SqliteUsageLedger(path);
            Assert.Equal(SqliteSchema.Latest.ToString(System.Globalization.CultureInfo.InvariantCulture), (await ledger.CheckAsync()).Details["schema version"]);
            Assert.Equal("0", Scalar(path, "SELECT COUNT(*) FROM pragma_table_info('usage') WHERE name = 'project' AND type = 'TEXT'"));
            Assert.Equal("ix_usage_session_ts,ix_usage_time", Scalar(path, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage' AND sql IS NOT NULL ORDER BY name)"));
            Assert.Equal("0", Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'usage_schema5'"));

            var position = await ledger.GetPositionAsync();
            var fed = new List<SequencedUsageRecord>();
            await foreach (var batch in ledger.ReadAfterAsync(0, position.LastSequence))
            {
                fed.AddRange(batch);
            }

            Assert.Equal(records.Select((_, i) => 1 + (3L * i)), fed.Select(r => r.Sequence));
            Assert.Equal(records.Select(UsageRecordFields.ToText), fed.Select(r => UsageRecordFields.ToText(r.Record)));
            var read = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
            Assert.Equal(records.OrderBy(r => r.Timestamp).Select(UsageRecordFields.ToText), read.Select(UsageRecordFields.ToText));

            foreach (var shape in Shapes)
            {
                var by = shape.Select(SummaryDimension.Parse).ToList();
                var expected = new UsageSummaryBuilder(by, TimeZoneInfo.Utc);
                Array.ForEach(records, expected.Add);
                UsageLedgerContract.AssertSame(expected.Build(), await ledger.SummarizeAsync(UsageQuery.All, by, TimeZoneInfo.Utc));
            }

            // Filters look the value up in dims; a value no record has matches nothing.
            var every = UsageLedgerContract.EveryField;
            var filtered = new UsageQuery { Project = every.Attribution.Project, Model = every.Model, Tags = new Dictionary<string, string> { ["env"] = "prod" } };
            Assert.Equal(3, (await ledger.SummarizeAsync(filtered, [], TimeZoneInfo.Utc)).Total.Records);
            Assert.Empty(await ledger.ReadAsync(new UsageQuery { Job = "no such job" }).ToListAsync());
        }, iter: 8);
    }

    [Fact]
    public async Task A_schema_5_ledger_keeps_its_identity_and_change_log_and_its_triggers_work_on_the_new_table()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        var every = UsageLedgerContract.EveryField;
        OlderLedgerFile.Create(path, 5, [every, every with { Id = "b", Model = "other" }]);
        var identity = Scalar(path, "SELECT value FROM ledger_meta WHERE key = 'id'");

        var ledger = new SqliteUsageLedger(path);
        var position = await ledger.GetPositionAsync();
        Assert.Equal((identity, 2L, 0L), (position.LedgerId, position.LastSequence, position.LastChange));

        // The rollup's cost trigger and the change log follow a revision, with a price no record had before.
        await ledger.ReviseCostsAsync([new CostRevision("b", 2.5m, new PriceReference("new-entry", new DateOnly(2026, 1, 2), "new-catalog"))]);
        Assert.Equal(1L, (await ledger.GetPositionAsync()).LastChange);
        var revised = (await ledger.ReadSequencesAsync([2])).Single().Record;
        Assert.Equal((2.5m, "new-entry", "new-catalog"), (revised.CostUsd, revised.Price?.Entry, revised.Price?.Catalog));
        var byModel = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc);
        Assert.Equal(every.CostUsd + 2.5m, byModel.Total.CostUsd);
        Assert.Equal(2.5m, byModel.Rows.Single(r => r.Key["model"] == "other").Totals.CostUsd);
        Assert.Equal(0, await ledger.ReviseCostsAsync([new CostRevision("b", 2.5m, new PriceReference("new-entry", new DateOnly(2026, 1, 2), "new-catalog"))]));

        // New records take the next sequence numbers and reuse the stored values' ids.
        await ledger.AppendAsync([every with { Id = "c" }]);
        Assert.Equal(3L, (await ledger.GetPositionAsync()).LastSequence);
        Assert.Equal("1", Scalar(path, "SELECT COUNT(*) FROM dims WHERE value = 'docs'"));

        await ledger.DisposeAsync();
        Scalar(path, "DELETE FROM usage WHERE id = 'c'");
        Assert.NotEqual(identity, (await new SqliteUsageLedger(path).GetPositionAsync()).LedgerId);
    }
}
