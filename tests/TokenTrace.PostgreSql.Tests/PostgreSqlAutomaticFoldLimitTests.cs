using System.Globalization;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// An automatic fold (in the background after an append, or before a summary) takes at most
/// max(fold_after, the rebuild's step) sequence numbers in one transaction, so after a rebuild set the watermark back to
/// 0 none holds the catch-up lock for the whole ledger; the background fold goes on in steps, and summaries stay exact.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlAutomaticFoldLimitTests(PostgreSqlServer server)
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Record <paramref name="i"/>: minute i after 09:00, model m1, project alpha, 10 in, 1 out, $0.01.</summary>
    private static UsageRecord Make(int i) => new()
    {
        Id = "r" + i.ToString(CultureInfo.InvariantCulture),
        Timestamp = T.AddMinutes(i),
        Model = "m1",
        Provider = "p1",
        Tokens = new TokenCounts { Input = 10, Output = 1 },
        CostUsd = 0.01m,
        Attribution = new Attribution { Project = "alpha" },
    };

    private Task<string> WatermarkAsync(string database) => server.ScalarAsync(database, "SELECT seq FROM rollup_watermark");

    [Fact]
    public async Task Background_and_summary_folds_take_bounded_steps_and_summaries_stay_exact()
    {
        var database = await server.CreateDatabaseAsync();

        // fold_after 3, rebuild step 2: an automatic fold takes at most max(3, 2) = 3 sequence numbers.
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database)) { CatchUpAfter = 3, RebuildStep = 2, SummaryCatchUpAfter = 1 };

        // Ten records in one append (sequence numbers 1..10, 10 behind ≥ 3): the background fold takes 1..3, 4..6, 7..9
        // (each a full step with more behind, so it goes on) and leaves 10 (1 behind < 3). Uncapped, one fold took all 10.
        await ledger.AppendAsync([.. Enumerable.Range(0, 10).Select(Make)]);
        await ledger.BackgroundFoldIdle.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("9", await WatermarkAsync(database));

        // What a rebuild's first transaction leaves (every sum emptied, the watermark at 0), as if cut off there.
        var empty = string.Join("; ", PostgreSqlRollups.Tables.Select(t => "DELETE FROM " + t.Name));
        await server.ScalarAsync(database, $"SET tokentrace.rollup_fold = 'on'; {empty}; UPDATE rollup_watermark SET seq = 0");

        // A summary from the sums folds first (10 behind ≥ 1), one step: the watermark moves to 3, not 10. The other 7
        // are read as rows: 10 records, 100 in, $0.10.
        var byProject = new[] { SummaryDimension.Parse("project") };
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, byProject, TimeZoneInfo.Utc));
        var summary = await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Equal((10L, 100L, 0.10m), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd));
        Assert.Equal("3", await WatermarkAsync(database));

        // One more record (11, 8 behind ≥ 3): the background fold takes 4..6, then 7..9 (5 behind ≥ 3), and stops with 2
        // behind (< 3): the watermark ends at 9. The summary then folds 10..11 (2 behind ≥ 1, within a step): 11 records.
        await ledger.AppendAsync([Make(10)]);
        await ledger.BackgroundFoldIdle.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("9", await WatermarkAsync(database));
        summary = await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Equal((11L, 110L, 0.11m), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd));
        Assert.Equal("11", await WatermarkAsync(database));
    }
}
