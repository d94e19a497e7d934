using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>The hourly rollup, corrupted by hand, is emptied and folded again from the records in bounded steps.</summary>
public sealed class SqliteRebuildSumsTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_rebuild_in_steps_of_two_makes_a_corrupted_rollup_match_the_records_again()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using var ledger = new SqliteUsageLedger(path) { RebuildStep = 2 };

        // a 09:00 m1 100 in $1; b 10:00 m1 200 in $2; c 11:00 m2 300 in $3; d next day m2 400 in $4; e next day m1 500 in $5.
        UsageRecord Make(string id, int hours, string model, long input, decimal cost) => new()
        {
            Id = id, Timestamp = T.AddHours(hours), Model = model, Provider = "p1", Tokens = new TokenCounts { Input = input, Output = 1 }, CostUsd = cost,
        };
        await ledger.AppendAsync([Make("a", 0, "m1", 100, 1m), Make("b", 1, "m1", 200, 2m), Make("c", 2, "m2", 300, 3m), Make("d", 24, "m2", 400, 4m), Make("e", 25, "m1", 500, 5m)]);
        var byModel = new[] { SummaryDimension.Model };
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, byModel, TimeZoneInfo.Utc));

        // 999 more input tokens and one more record in every hour of the rollup: m1 reads 6 records, 800 + 3 × 999 in.
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var corrupt = connection.CreateCommand();
            corrupt.CommandText = "UPDATE usage_rollup SET input = input + 999, records = records + 1";
            Assert.Equal(5, corrupt.ExecuteNonQuery());
        }

        var wrong = await ledger.SummarizeAsync(UsageQuery.All, byModel, TimeZoneInfo.Utc);
        Assert.Equal((10L, 1_500L + 5 * 999), (wrong.Total.Records, wrong.Total.InputTokens));

        // Five rows in steps of 2 sequence numbers (three transactions): m1 = a + b + e (800 in, $8), m2 = c + d (700 in, $7).
        Assert.Equal(5, await ledger.GetService<IAggregateRebuilder>()!.RebuildAggregatesAsync());
        var right = await ledger.SummarizeAsync(UsageQuery.All, byModel, TimeZoneInfo.Utc);
        Assert.Equal([("m1", 3L, 800L, 8m), ("m2", 2L, 700L, 7m)],
            right.Rows.Select(r => (r.Key["model"]!, r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));
        var expected = new UsageSummaryBuilder([SummaryDimension.Model, SummaryDimension.Parse("hour")], TimeZoneInfo.Utc);
        await foreach (var record in ledger.ReadAsync(UsageQuery.All))
        {
            expected.Add(record);
        }

        UsageLedgerContract.AssertSame(expected.Build(), await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model, SummaryDimension.Parse("hour")], TimeZoneInfo.Utc));
    }

    [Fact]
    public async Task An_append_during_a_rebuild_folds_one_bounded_step_not_the_whole_rest()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using var ledger = new SqliteUsageLedger(path) { RollupLag = 3, RebuildStep = 2 };

        // Ten records, one per hour, model m1, 10 in and $0.10 each; the appends keep the rollup folded (lag < 3 after each).
        UsageRecord Make(string id, int hours) => new()
        {
            Id = id, Timestamp = T.AddHours(hours), Model = "m1", Provider = "p1", Tokens = new TokenCounts { Input = 10, Output = 1 }, CostUsd = 0.10m,
        };
        await ledger.AppendAsync(Enumerable.Range(0, 10).Select(i => Make("r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), i)).ToList());

        // The state a rebuild leaves after its first transaction (the rollup emptied, rollup_seq = 0), as if it were cut off there.
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var reset = connection.CreateCommand();
            reset.CommandText = "DELETE FROM usage_rollup; UPDATE ledger_meta SET value = '0' WHERE key = 'rollup_seq'";
            reset.ExecuteNonQuery();
        }

        // One more record: 11 rows behind (≥ 3). It folds its own 1 row plus max(RollupLag 3, RebuildStep 2) = 4 sequence
        // numbers, so rollup_seq = 0 + 4 = 4, not 11 (the whole rest in one transaction).
        await ledger.AppendAsync([Make("r10", 10)]);
        Assert.Equal(4L, RollupSeq(path));

        // The partial rollup is a valid prefix: the summary is still exact (11 records, 110 in, $1.10).
        var byModel = new[] { SummaryDimension.Model };
        var summary = await ledger.SummarizeAsync(UsageQuery.All, byModel, TimeZoneInfo.Utc);
        Assert.Equal((11L, 110L, 1.10m), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd));

        // The next append takes the next step: 12 rows, 8 behind, folds 1 + 3 = 4 more, rollup_seq = 8.
        await ledger.AppendAsync([Make("r11", 11)]);
        Assert.Equal(8L, RollupSeq(path));
        summary = await ledger.SummarizeAsync(UsageQuery.All, byModel, TimeZoneInfo.Utc);
        Assert.Equal((12L, 120L, 1.20m), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd));
    }

    private static long RollupSeq(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT CAST(value AS INTEGER) FROM ledger_meta WHERE key = 'rollup_seq'";
        return (long)command.ExecuteScalar()!;
    }
}
