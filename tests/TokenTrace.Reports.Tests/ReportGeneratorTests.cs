namespace TokenTrace.Reports.Tests;

public sealed class ReportGeneratorTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private static UsageRecord Call(string id, DateTimeOffset at, decimal cost, string job) => new()
    {
        Id = id, Timestamp = at, Model = "m", CostUsd = cost, Attribution = new Attribution { Job = job },
    };

    [Fact]
    public async Task Trends_include_empty_periods_and_top_lists_are_most_expensive_first()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Call("a", Day1, 1m, "small"), Call("b", Day1.AddDays(3), 5m, "big"), Call("c", Day1.AddDays(3), 0.5m, "small")]);
        var generator = new ReportGenerator(ledger, TimeZoneInfo.Utc);

        var query = new UsageQuery { Since = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2026, 11, 8, 0, 0, 0, TimeSpan.Zero) };
        var daily = await generator.TrendAsync(query, SummaryDimension.Day);
        Assert.Equal(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-07"], daily.Select(p => p.Bucket));
        Assert.Equal([0m, 1m, 0m, 0m, 5.5m, 0m, 0m], daily.Select(p => p.Totals.CostUsd));

        var weekly = await generator.TrendAsync(query, SummaryDimension.Parse("week"));
        Assert.Equal(["2026-10-26", "2026-11-02"], weekly.Select(p => p.Bucket)); // Monday-start weeks
        Assert.Equal([0m, 6.5m], weekly.Select(p => p.Totals.CostUsd));

        var top = await generator.TopAsync(UsageQuery.All, SummaryDimension.Parse("job"));
        Assert.Equal(["big", "small"], top.Select(r => r.Key["job"]));
    }
}
