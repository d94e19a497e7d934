using TokenTrace.Tests;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// The rollups of schema 2 (hourly by model, provider, source, region; daily by project, job, agent, user): summaries
/// they answer equal sums worked out by hand and the record-by-record sum of the same records, after a duplicate and a
/// revision that moves a record to another provider.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlRollupTests(PostgreSqlServer server)
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static UsageRecord Make(string id, TimeSpan after, string model, string provider, string? project, string? job, long input, decimal? cost, ImpactEstimate? impact = null) => new()
    {
        Id = id,
        Timestamp = T + after,
        Model = model,
        Provider = provider,
        Tokens = new TokenCounts { Input = input, Output = input / 10 },
        CostUsd = cost,
        Impact = impact,
        Attribution = new Attribution { Project = project, Job = job },
    };

    /// <summary>
    /// a 09:10 m1/p1 alpha j1 100 in $0.25, estimated (0.25, 0.5, 1) Wh; b 09:50 m1/p1 alpha j2 200 in $0.50;
    /// c 10:10 m2/p2 beta (no job) 300 in unpriced, estimated (1, 1.5, 2) Wh; d next day 09:30 m1/p1 (no project) j1 400 in $1.
    /// Energies are binary fractions, so their sums are exact in any order.
    /// </summary>
    private static UsageRecord[] Records() =>
    [
        Make("a", TimeSpan.FromMinutes(10), "m1", "p1", "alpha", "j1", 100, 0.25m, new ImpactEstimate(new EstimateRange(0.25, 0.5, 1), new EstimateRange(0.125, 0.25, 0.5))),
        Make("b", TimeSpan.FromMinutes(50), "m1", "p1", "alpha", "j2", 200, 0.5m),
        Make("c", TimeSpan.FromMinutes(70), "m2", "p2", "beta", null, 300, null, new ImpactEstimate(new EstimateRange(1, 1.5, 2), new EstimateRange(0.5, 0.75, 1))),
        Make("d", TimeSpan.FromHours(24.5), "m1", "p1", null, "j1", 400, 1m),
    ];

    private static async Task<UsageSummary> RecordByRecordAsync(PostgreSqlUsageLedger ledger, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo zone)
    {
        var expected = new UsageSummaryBuilder(by, zone);
        await foreach (var record in ledger.ReadAsync(query))
        {
            expected.Add(record);
        }

        return expected.Build();
    }

    private static IReadOnlyList<SummaryDimension> By(params string[] names) => [.. names.Select(SummaryDimension.Parse)];

    [Fact]
    public async Task Summaries_from_the_rollups_equal_hand_sums_and_the_record_by_record_sum_after_a_duplicate_and_a_revision()
    {
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(await server.CreateDatabaseAsync()));
        Assert.Equal(new AppendResult(4, 0), await ledger.AppendAsync(Records()));

        // A repeat of a with other counts, in a batch with a new record e: a stays as first stored, e is added.
        Assert.Equal(new AppendResult(1, 1), await ledger.AppendAsync([Make("a", TimeSpan.FromMinutes(10), "m1", "p1", "alpha", "j1", 999_999, 9m),
            Make("e", TimeSpan.FromMinutes(20), "m3", "p1", "gamma", null, 50, 0.125m)]));

        // Before the revision, by model: m1 = a + b + d = 700 in, $1.75; m2 = c, unpriced, 1.5 Wh; m3 = e, 50 in, $0.125.
        var byModel = await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc);
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("model"), TimeZoneInfo.Utc));
        Assert.Equal(["m1", "m2", "m3"], byModel.Rows.Select(r => r.Key["model"]).Order(StringComparer.Ordinal));
        var m1 = byModel.Rows.Single(r => r.Key["model"] == "m1").Totals;
        Assert.Equal((3L, 700L, 70L, 1.75m, 0L, 1L), (m1.Records, m1.InputTokens, m1.OutputTokens, m1.CostUsd, m1.UnpricedRecords, m1.EstimatedRecords));
        Assert.Equal(new EstimateRange(0.25, 0.5, 1), m1.EnergyWh);
        var m2 = byModel.Rows.Single(r => r.Key["model"] == "m2").Totals;
        Assert.Equal((1L, 300L, 0m, 1L, 1L), (m2.Records, m2.InputTokens, m2.CostUsd, m2.UnpricedRecords, m2.EstimatedRecords));
        Assert.Equal(new EstimateRange(0.5, 0.75, 1), m2.Co2eGrams);

        // c is priced at $2 and moves to provider p3: p2 has no record left (no row), p3 has c.
        Assert.Equal(1, await ledger.ReviseCostsAsync([new CostRevision("c", 2m, null) { Provider = "p3" }]));
        var byProvider = await ledger.SummarizeAsync(UsageQuery.All, By("provider"), TimeZoneInfo.Utc);
        Assert.Equal([("p1", 4L, 1.875m), ("p3", 1L, 2m)], byProvider.Rows.Select(r => (r.Key["provider"]!, r.Totals.Records, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));
        Assert.Equal(0L, byProvider.Total.UnpricedRecords);

        // By project: alpha = a + b (300 in, $0.75), beta = c ($2), gamma = e ($0.125), none = d ($1).
        var byProject = await ledger.SummarizeAsync(UsageQuery.All, By("project"), TimeZoneInfo.Utc);
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("project"), TimeZoneInfo.Utc));
        Assert.Equal([("(none)", 1L, 400L, 1m), ("alpha", 2L, 300L, 0.75m), ("beta", 1L, 300L, 2m), ("gamma", 1L, 50L, 0.125m)],
            byProject.Rows.Select(r => (r.Key["project"] ?? "(none)", r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));

        // By UTC day: 2 November = a, b, c, e (650 in, $2.875); 3 November = d (400 in, $1).
        var byDay = await ledger.SummarizeAsync(UsageQuery.All, By("day"), TimeZoneInfo.Utc);
        Assert.Equal([("2026-11-02", 4L, 650L, 2.875m), ("2026-11-03", 1L, 400L, 1m)],
            byDay.Rows.Select(r => (r.Key["day"]!, r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));

        // By job: j1 = a + d (500 in, $1.25), j2 = b ($0.50), none = c + e (350 in, $2.125).
        var byJob = await ledger.SummarizeAsync(UsageQuery.All, By("job"), TimeZoneInfo.Utc);
        Assert.Equal([("(none)", 2L, 350L, 2.125m), ("j1", 2L, 500L, 1.25m), ("j2", 1L, 200L, 0.5m)],
            byJob.Rows.Select(r => (r.Key["job"] ?? "(none)", r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));

        // Every summary the rollups answer equals the record-by-record sum of the same records, in UTC and in Paris
        // (whole-hour offsets: the hourly sums answer), over everything and over ranges on hour and day edges.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var queries = new[]
        {
            UsageQuery.All,
            new UsageQuery { Since = T.AddHours(1), Until = T.AddDays(2) },
            new UsageQuery { Since = T.AddHours(-9), Until = T.AddHours(15) },
            new UsageQuery { Model = "m1" },
            new UsageQuery { Project = "alpha" },
        };
        foreach (var query in queries)
        {
            foreach (var by in new[] { By(), By("model"), By("provider", "hour"), By("source", "region", "day"), By("project"), By("job", "day"), By("agent"), By("user", "month"), By("model", "week") })
            {
                foreach (var zone in new[] { TimeZoneInfo.Utc, paris })
                {
                    var answered = ledger.CanSummarizeFromAggregates(query, by, zone);
                    UsageLedgerContract.AssertSame(await RecordByRecordAsync(ledger, query, by, zone), await ledger.SummarizeAsync(query, by, zone));
                    if (query == UsageQuery.All && by.Count == 1 && by[0].Name is "model" or "project")
                    {
                        Assert.True(answered);
                    }
                }
            }
        }
    }

    [Fact]
    public void Only_summaries_the_rollups_hold_exactly_are_answered_from_them()
    {
        var ledger = new PostgreSqlUsageLedger("postgres://nobody@127.0.0.1:1/none");
        var custom = TimeZoneInfo.CreateCustomTimeZone("TokenTrace/Test+0530", TimeSpan.FromMinutes(330), "test", "test");
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("model", "day"), paris));
        Assert.True(ledger.CanSummarizeFromAggregates(new UsageQuery { Provider = "p1", Since = T }, By("source"), TimeZoneInfo.Utc));
        Assert.True(ledger.CanSummarizeFromAggregates(new UsageQuery { Project = "alpha" }, By(), TimeZoneInfo.Utc));
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("user", "week"), TimeZoneInfo.Utc));

        // Hours cut in half by a +05:30 zone, a range off an hour edge, two daily dimensions at once, a day in Paris
        // by project (UTC days only), session and task (not kept), a tag: all read the rows.
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("model", "hour"), custom));
        Assert.False(ledger.CanSummarizeFromAggregates(new UsageQuery { Since = T.AddMinutes(1) }, By("model"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("project", "job"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(new UsageQuery { Job = "j1" }, By("project"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("project", "day"), paris));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("session"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("model", "project"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(new UsageQuery { Tags = new Dictionary<string, string> { ["team"] = "a" } }, By("model"), TimeZoneInfo.Utc));
    }
}
