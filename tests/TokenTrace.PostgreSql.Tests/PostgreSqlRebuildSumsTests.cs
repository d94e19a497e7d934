using System.Globalization;
using Npgsql;
using TokenTrace.Tests;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// Sums that no longer match the records (a row corrupted by hand) are thrown away and folded again from the records,
/// in bounded steps, by <see cref="IAggregateRebuilder"/> and by <c>tokentrace doctor --rebuild-sums</c> in its own process.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlRebuildSumsTests(PostgreSqlServer server)
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<SummaryDimension> By(params string[] names) => [.. names.Select(SummaryDimension.Parse)];

    /// <summary>
    /// a 09:00 m1 alpha j1 u1 100 in $1; b 10:00 m1 alpha j2 u2 200 in $2; c 11:00 m2 beta j1 u1 300 in $3;
    /// d next day 09:00 m2 beta j2 u2 400 in $4; e next day 10:00 m1 alpha j1 u1 500 in $5.
    /// </summary>
    private static UsageRecord[] Five() =>
    [
        Make("a", 0, "m1", "alpha", "j1", "u1", 100, 1m),
        Make("b", 1, "m1", "alpha", "j2", "u2", 200, 2m),
        Make("c", 2, "m2", "beta", "j1", "u1", 300, 3m),
        Make("d", 24, "m2", "beta", "j2", "u2", 400, 4m),
        Make("e", 25, "m1", "alpha", "j1", "u1", 500, 5m),
    ];

    private static UsageRecord Make(string id, int hours, string model, string project, string job, string user, long input, decimal cost) => new()
    {
        Id = id,
        Timestamp = T.AddHours(hours),
        Model = model,
        Provider = "p1",
        Tokens = new TokenCounts { Input = input, Output = 1 },
        CostUsd = cost,
        Attribution = new Attribution { Project = project, Job = job, User = user },
    };

    /// <summary>Adds a record and $100 to alpha's first day, and 999 input tokens to every hourly sum: wrong sums, records intact.</summary>
    private Task<string> CorruptAsync(string database) => server.ScalarAsync(database,
        "SET tokentrace.rollup_fold = 'on'; UPDATE usage_daily_project SET records = records + 1, cost = cost + 100 WHERE project = 'alpha' AND bucket = (SELECT MIN(bucket) FROM usage_daily_project); UPDATE usage_hourly SET input = input + 999");

    private static async Task AssertSumsMatchTheRecordsAsync(PostgreSqlUsageLedger ledger)
    {
        // By project: alpha = a + b + e (800 in, $8), beta = c + d (700 in, $7).
        var byProject = await ledger.SummarizeAsync(UsageQuery.All, By("project"), TimeZoneInfo.Utc);
        Assert.Equal([("alpha", 3L, 800L, 8m), ("beta", 2L, 700L, 7m)],
            byProject.Rows.Select(r => (r.Key["project"]!, r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));

        // By model: m1 = a + b + e (800 in), m2 = c + d (700 in); 1,500 in all.
        Assert.Equal(1_500L, (await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc)).Total.InputTokens);
        foreach (var by in new[] { By("project", "day"), By("model", "hour"), By("job", "month"), By("user"), By("agent") })
        {
            Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, by, TimeZoneInfo.Utc));
            var expected = new UsageSummaryBuilder(by, TimeZoneInfo.Utc);
            await foreach (var record in ledger.ReadAsync(UsageQuery.All))
            {
                expected.Add(record);
            }

            UsageLedgerContract.AssertSame(expected.Build(), await ledger.SummarizeAsync(UsageQuery.All, by, TimeZoneInfo.Utc));
        }

        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
    }

    [Fact]
    public async Task A_rebuild_in_steps_of_two_makes_corrupted_sums_match_the_records_again()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database)) { RebuildStep = 2, SummaryCatchUpAfter = 1_000 };
        await ledger.AppendAsync(Five());
        Assert.Equal(5, await ledger.CatchUpRollupsAsync());
        await CorruptAsync(database);

        // Wrong now: alpha reads 4 records and $108, and doctor's check says so.
        var wrong = await ledger.SummarizeAsync(UsageQuery.All, By("project"), TimeZoneInfo.Utc);
        Assert.Equal((6L, 115m), (wrong.Total.Records, wrong.Total.CostUsd));
        Assert.False((await ledger.CheckAsync()).IsHealthy);

        // Five records in steps of 2 sequence numbers: 3 folds (2, 2, 1), and the sums are right again.
        Assert.Equal(5, await ledger.GetService<IAggregateRebuilder>()!.RebuildAggregatesAsync());
        Assert.Equal("5", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        await AssertSumsMatchTheRecordsAsync(ledger);
    }

    [Fact]
    public async Task Doctor_rebuild_sums_in_the_real_program_makes_corrupted_sums_match_the_records_again()
    {
        using var home = new TempDirectory();
        var database = await server.CreateDatabaseAsync();
        var spec = server.Spec(database);
        await using var ledger = new PostgreSqlUsageLedger(spec) { SummaryCatchUpAfter = 1_000 };
        await ledger.AppendAsync(Five());
        Assert.Equal(5, await ledger.CatchUpRollupsAsync());
        await CorruptAsync(database);
        Assert.Equal(6L, (await ledger.SummarizeAsync(UsageQuery.All, By("project"), TimeZoneInfo.Utc)).Total.Records);

        // Plain doctor finds the damage (exit 2); doctor --rebuild-sums repairs it, checks again, and is healthy (exit 0).
        var found = await CliOnPostgreSqlTests.RunAsync(home.Path, "doctor", "--ledger", spec);
        Assert.True(found.ExitCode == 2, found.Out + found.Error);
        var rebuilt = await CliOnPostgreSqlTests.RunAsync(home.Path, "doctor", "--rebuild-sums", "--ledger", spec);
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Out + rebuilt.Error);
        Assert.Contains("from 5 record(s)", rebuilt.Error, StringComparison.Ordinal);
        Assert.Contains("healthy", rebuilt.Out, StringComparison.Ordinal);
        await AssertSumsMatchTheRecordsAsync(ledger);
    }
}
