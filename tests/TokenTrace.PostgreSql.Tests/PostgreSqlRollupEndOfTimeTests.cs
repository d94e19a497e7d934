namespace TokenTrace.PostgreSql.Tests;

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlRollupEndOfTimeTests(PostgreSqlServer server)
{
    private static UsageRecord At(string id, DateTimeOffset at) => new()
    {
        Id = id,
        Timestamp = at,
        Model = "m1",
        Provider = "p1",
        Tokens = new TokenCounts { Input = 100, Output = 1 },
        CostUsd = 1m,
        Attribution = new Attribution { Job = "j1" },
    };

    private static readonly IReadOnlyList<SummaryDimension> ByJob = [SummaryDimension.Parse("job")];

    // Since a day edge inside December 9999, no until: the monthly level's ceiling of December 9999 was DateTime.MaxValue
    // (not a day edge), so the daily piece stopped at "bucket < MaxValue.Ticks / TicksPerDay" (31 December's day number)
    // and the monthly piece asked for "bucket >= MaxValue.Ticks": 31 December 9999 was in neither (1 record, not 2).
    [Fact]
    public async Task Records_of_31_December_9999_are_counted_in_a_summary_by_job_since_a_day_of_December_9999()
    {
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(await server.CreateDatabaseAsync()));
        await ledger.AppendAsync([At("d10", new(9999, 12, 10, 12, 0, 0, TimeSpan.Zero)), At("d31", new(9999, 12, 31, 12, 0, 0, TimeSpan.Zero))]);
        var query = new UsageQuery { Since = new DateTimeOffset(9999, 12, 5, 0, 0, 0, TimeSpan.Zero) };

        var rows = await ledger.SummarizeRowsAsync(query, ByJob, TimeZoneInfo.Utc);
        Assert.Equal(2, rows.Total.Records);
        var summary = await ledger.SummarizeAsync(query, ByJob, TimeZoneInfo.Utc);
        Assert.Equal(2, summary.Total.Records);
    }

    // Since inside the last day .NET holds, no until: the daily ceiling is 10000-01-01 (MaxValue.Ticks + 1), and the
    // monthly level's floor of it built a DateTime out of range (ArgumentOutOfRangeException).
    [Fact]
    public async Task A_summary_by_job_since_the_last_day_of_9999_does_not_throw()
    {
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(await server.CreateDatabaseAsync()));
        await ledger.AppendAsync([At("d31", new(9999, 12, 31, 12, 0, 0, TimeSpan.Zero))]);
        var query = new UsageQuery { Since = new DateTimeOffset(9999, 12, 31, 6, 0, 0, TimeSpan.Zero) };

        var summary = await ledger.SummarizeAsync(query, ByJob, TimeZoneInfo.Utc);
        Assert.Equal(1, summary.Total.Records);
    }
}
