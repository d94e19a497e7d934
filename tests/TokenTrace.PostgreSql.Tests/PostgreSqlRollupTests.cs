using System.Globalization;
using Npgsql;
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
        // (whole-hour offsets: the hourly sums answer), over everything, over ranges on hour and day edges, and over ranges
        // off them (09:15 to 09:40 the next day: records, hours or days, records).
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var queries = new[]
        {
            UsageQuery.All,
            new UsageQuery { Since = T.AddHours(1), Until = T.AddDays(2) },
            new UsageQuery { Since = T.AddHours(-9), Until = T.AddHours(15) },
            new UsageQuery { Since = T.AddMinutes(15), Until = T.AddHours(24).AddMinutes(40) },
            new UsageQuery { Since = T.AddMinutes(-30) },
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

        // Off the edges, with a whole hour or day inside: the sums, and the records for the parts at the ends.
        Assert.True(ledger.CanSummarizeFromAggregates(new UsageQuery { Since = T.AddMinutes(1) }, By("model"), TimeZoneInfo.Utc));
        Assert.True(ledger.CanSummarizeFromAggregates(new UsageQuery { Since = T.AddMinutes(1), Until = T.AddDays(2) }, By("job"), paris));

        // Hours cut in half by a +05:30 zone, a range off an hour edge, two daily dimensions at once, a day in Paris
        // by project (UTC days only), session and task (not kept), a tag: all read the rows.
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("model", "hour"), custom));
        Assert.False(ledger.CanSummarizeFromAggregates(new UsageQuery { Since = T.AddMinutes(1), Until = T.AddMinutes(50) }, By("model"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(new UsageQuery { Since = T.AddHours(1), Until = T.AddHours(20) }, By("job"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("project", "job"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(new UsageQuery { Job = "j1" }, By("project"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("project", "day"), paris));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("session"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("model", "project"), TimeZoneInfo.Utc));
        Assert.False(ledger.CanSummarizeFromAggregates(new UsageQuery { Tags = new Dictionary<string, string> { ["team"] = "a" } }, By("model"), TimeZoneInfo.Utc));
    }

    /// <summary>
    /// Records on both sides of the month edges of UTC and of Paris (UTC+2 until 25 October 2026, UTC+1 after), jobs j1
    /// and j2, users u1 and u2; input and dollars are powers of two, so every sum names its records:
    /// r1 30 Sep 22:30Z (1 Oct 00:30 in Paris) j1 u1 100 in $1; r2 1 Oct 00:30Z j1 u2 200 in $2;
    /// r3 15 Oct 12:00Z j2 u1 400 in $4; r4 31 Oct 23:30Z (1 Nov 00:30 in Paris) j1 u1 800 in $8;
    /// r5 1 Nov 00:10Z j2 u2 1600 in $16; r6 20 Nov 09:00Z j1, no user, 3200 in $32; r7 1 Dec 10:00Z j2 u1 6400 in $64.
    /// </summary>
    internal static UsageRecord[] AcrossMonths()
    {
        static UsageRecord At(string id, DateTimeOffset at, string job, string? user, long input) => new()
        {
            Id = id,
            Timestamp = at,
            Model = "m1",
            Provider = "p1",
            Tokens = new TokenCounts { Input = input, Output = 1 },
            CostUsd = input / 100m,
            Attribution = new Attribution { Project = "alpha", Job = job, User = user },
        };

        return
        [
            At("r1", new(2026, 9, 30, 22, 30, 0, TimeSpan.Zero), "j1", "u1", 100),
            At("r2", new(2026, 10, 1, 0, 30, 0, TimeSpan.Zero), "j1", "u2", 200),
            At("r3", new(2026, 10, 15, 12, 0, 0, TimeSpan.Zero), "j2", "u1", 400),
            At("r4", new(2026, 10, 31, 23, 30, 0, TimeSpan.Zero), "j1", "u1", 800),
            At("r5", new(2026, 11, 1, 0, 10, 0, TimeSpan.Zero), "j2", "u2", 1600),
            At("r6", new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero), "j1", null, 3200),
            At("r7", new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), "j2", "u1", 6400),
        ];
    }

    /// <summary>Each group as its key's values in the order of the dimensions' names ("j1/2026-10"), records, input and cost.</summary>
    private static (string Key, long Records, long Input, decimal Cost)[] Rows(UsageSummary summary) =>
        [.. summary.Rows.Select(r => (string.Join("/", r.Key.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Value ?? "(none)")), r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd))
            .OrderBy(r => r.Item1, StringComparer.Ordinal)];

    [Fact]
    public async Task Monthly_sums_answer_whole_months_with_days_and_records_at_the_edges_in_UTC_and_in_Paris()
    {
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(await server.CreateDatabaseAsync()));
        Assert.Equal(new AppendResult(7, 0), await ledger.AppendAsync(AcrossMonths()));
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var (utc, cases) = (TimeZoneInfo.Utc, new List<(UsageQuery Query, string[] By, TimeZoneInfo Zone, (string, long, long, decimal)[] Expected)>());

        // October in UTC: the monthly sums alone. j1 = r2 + r4 (1000 in, $10), j2 = r3 (400 in, $4).
        var octoberUtc = new UsageQuery { Since = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) };
        cases.Add((octoberUtc, ["job"], utc, [("j1", 2, 1000, 10m), ("j2", 1, 400, 4m)]));

        // October in Paris is 30 Sep 22:00Z to 31 Oct 23:00Z: records from 22:00 to midnight (r1), the days 1-30 October
        // (r2, r3: no whole UTC month inside), records of 31 October to 23:00 (none; r4 is at 23:30).
        // j1 = r1 + r2 (300 in, $3), j2 = r3 (400 in, $4).
        var octoberParis = new UsageQuery { Since = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.FromHours(2)), Until = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(1)) };
        cases.Add((octoberParis, ["job"], paris, [("j1", 2, 300, 3m), ("j2", 1, 400, 4m)]));

        // October and November in Paris (to 30 Nov 23:00Z): r1 from the records, October from the monthly sums (r2, r3,
        // r4), 1-29 November from the daily sums (r5, r6), the last 23 hours from the records (none).
        // By user: u1 = r1 + r3 + r4 (1300 in, $13), u2 = r2 + r5 (1800 in, $18), none = r6 (3200 in, $32).
        // By job: j1 = r1 + r2 + r4 + r6 (4300 in, $43), j2 = r3 + r5 (2000 in, $20).
        var autumnParis = octoberParis with { Until = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(1)) };
        cases.Add((autumnParis, ["user"], paris, [("(none)", 1, 3200, 32m), ("u1", 3, 1300, 13m), ("u2", 2, 1800, 18m)]));
        cases.Add((autumnParis, ["job"], paris, [("j1", 4, 4300, 43m), ("j2", 2, 2000, 20m)]));

        // From 30 Sep 23:00Z to 1 Dec 10:30Z, off day edges in UTC: records to midnight (none: r1 is at 22:30), October
        // and November from the monthly sums, 1 December to 10:30 from the records (r7).
        // u1 = r3 + r4 + r7 (7600 in, $76), u2 = r2 + r5 (1800 in, $18), none = r6 (3200 in, $32).
        var offEdges = new UsageQuery { Since = new DateTimeOffset(2026, 9, 30, 23, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2026, 12, 1, 10, 30, 0, TimeSpan.Zero) };
        cases.Add((offEdges, ["user"], utc, [("(none)", 1, 3200, 32m), ("u1", 3, 7600, 76m), ("u2", 2, 1800, 18m)]));

        // Every month by job in UTC, from the monthly sums: j1 in September r1, October r2 + r4, November r6; j2 in
        // October r3, November r5, December r7.
        cases.Add((UsageQuery.All, ["job", "month"], utc,
        [
            ("j1/2026-09", 1, 100, 1m), ("j1/2026-10", 2, 1000, 10m), ("j1/2026-11", 1, 3200, 32m),
            ("j2/2026-10", 1, 400, 4m), ("j2/2026-11", 1, 1600, 16m), ("j2/2026-12", 1, 6400, 64m),
        ]));

        // A budget's filter on one job over October and November in UTC, no dimension: j1 = r2 + r4 + r6 (4200 in, $42).
        cases.Add((octoberUtc with { Job = "j1", Until = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) }, [], utc, [("", 3, 4200, 42m)]));

        foreach (var (query, names, zone, expected) in cases)
        {
            var by = By(names);
            Assert.True(ledger.CanSummarizeFromAggregates(query, by, zone), $"{query} by {string.Join(",", names)} in {zone.Id}");
            var summary = await ledger.SummarizeAsync(query, by, zone);
            Assert.Equal(expected, names.Length == 0 ? [("", summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd)] : Rows(summary));
            UsageLedgerContract.AssertSame(await ledger.SummarizeRowsAsync(query, by, zone), summary);
            UsageLedgerContract.AssertSame(await RecordByRecordAsync(ledger, query, by, zone), summary);
        }

        // Months in Paris are not UTC months: by job and month there, the records answer, and agree with the hand sums:
        // r1 and r4 fall in October and November of Paris. j1: 2026-10 = r1 + r2 (300 in), 2026-11 = r4 + r6 (4000 in).
        var byMonthParis = await ledger.SummarizeAsync(UsageQuery.All, By("job", "month"), paris);
        Assert.False(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("job", "month"), paris));
        Assert.Equal(new[] { ("j1/2026-10", 2L, 300L, 3m), ("j1/2026-11", 2L, 4000L, 40m) }, Rows(byMonthParis).Where(r => r.Key.StartsWith("j1", StringComparison.Ordinal)));

        // A revision moves r3 from $4 to $5: the monthly and daily sums follow, as the rows do.
        Assert.Equal(1, await ledger.ReviseCostsAsync([new CostRevision("r3", 5m, null)]));
        Assert.Equal(new[] { ("j1", 2L, 1000L, 10m), ("j2", 1L, 400L, 5m) }, Rows(await ledger.SummarizeAsync(octoberUtc, By("job"), utc)));
        UsageLedgerContract.AssertSame(await ledger.SummarizeRowsAsync(autumnParis, By("job"), paris), await ledger.SummarizeAsync(autumnParis, By("job"), paris));
        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
    }

    [Fact]
    public void A_range_is_covered_by_months_then_days_then_records_at_its_ends()
    {
        // 30 Sep 22:00Z to 30 Nov 23:00Z (October and November in Paris): records 22:00-24:00 on 30 September and
        // 00:00-23:00 on 30 November, October from the months, 1-29 November from the days.
        var since = new DateTime(2026, 9, 30, 22, 0, 0, DateTimeKind.Utc).Ticks;
        var until = new DateTime(2026, 11, 30, 23, 0, 0, DateTimeKind.Utc).Ticks;
        var sql = PostgreSqlRollups.Covering(PostgreSqlRollups.LevelsOf("job"), since, until)!;
        static long Ticks(int month, int day) => new DateTime(2026, month, day, 0, 0, 0, DateTimeKind.Utc).Ticks;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"FROM usage WHERE ((ts >= {since} AND ts < {Ticks(10, 1)}) OR (ts >= {Ticks(11, 30)} AND ts < {until}))"), sql, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"FROM usage_monthly_job WHERE ((bucket >= {Ticks(10, 1)} AND bucket < {Ticks(11, 1)}))"), sql, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"FROM usage_daily_job WHERE ((bucket >= {Ticks(11, 1) / TimeSpan.TicksPerDay} AND bucket < {Ticks(11, 30) / TimeSpan.TicksPerDay}))"), sql, StringComparison.Ordinal);

        // Unbounded: the monthly sums alone, beside the records past the watermark (schema 4); within one day: nothing
        // whole, so no rollup.
        var unbounded = PostgreSqlRollups.Covering(PostgreSqlRollups.LevelsOf("job"), null, null)!;
        Assert.EndsWith(" UNION ALL SELECT bucket AS ts, job, " + string.Join(", ", new[] { "records", "input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning", "cost", "unpriced", "estimated", "energy_low", "energy", "energy_high", "co2e_low", "co2e", "co2e_high" })
            + " FROM usage_monthly_job) AS usage", unbounded, StringComparison.Ordinal);
        Assert.Contains("WHERE i.seq > @watermark AND true GROUP BY 1, job", unbounded, StringComparison.Ordinal);
        Assert.DoesNotContain("usage_daily_job", unbounded, StringComparison.Ordinal);
        Assert.Null(PostgreSqlRollups.Covering(PostgreSqlRollups.LevelsOf("job"), Ticks(10, 1) + 1, Ticks(10, 2) - 1));
    }

    [Fact]
    public async Task A_schema_2_ledger_is_migrated_forward_with_monthly_sums_made_from_its_daily_sums()
    {
        var database = await server.CreateDatabaseAsync();

        // Schema 2 as it shipped, made by its own migrations over rows stored at schema 1: the seven records of
        // AcrossMonths (job, user, input, dollars), whose daily sums migration 2 fills from the rows.
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString))
        {
            await admin.OpenAsync();
            var sql = new System.Text.StringBuilder("CREATE TABLE schema_version (version integer PRIMARY KEY, applied timestamptz NOT NULL); INSERT INTO schema_version VALUES (1, now()), (2, now());")
                .Append(PostgreSqlSchema.Migrations[0]).Append(';');
            foreach (var month in new[] { 9, 10, 11, 12 })
            {
                sql.Append(PostgreSqlSchema.CreatePartition(new DateTime(2026, month, 1, 0, 0, 0, DateTimeKind.Utc).Ticks)).Append(';');
            }

            foreach (var (record, seq) in AcrossMonths().Select((r, i) => (r, i + 1)))
            {
                var user = record.Attribution.User is { } u ? $"'{u}'" : "NULL";
                sql.Append(CultureInfo.InvariantCulture, $"""
                    INSERT INTO usage_ids (id, ts) VALUES ('{record.Id}', {record.Timestamp.UtcTicks});
                    INSERT INTO usage (seq, id, ts, provider, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, job, user_name, cost_usd, cost_billed, source)
                    VALUES ({seq}, '{record.Id}', {record.Timestamp.UtcTicks}, 'p1', 'm1', 'chat', {record.Tokens.Input}, 0, 0, 0, 1, 0, '{record.Attribution.Job}', {user}, {record.CostUsd}, {record.CostUsd}, 'app');
                    """);
            }

            await using var create = new NpgsqlCommand(sql.Append(PostgreSqlSchema.Migrations[1]).ToString(), admin);
            await create.ExecuteNonQueryAsync();
        }

        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
        Assert.Equal(PostgreSqlSchema.Latest.ToString(CultureInfo.InvariantCulture), health.Details["schema version"]);

        // October in UTC by job, from the monthly sums made by the migration: j1 = r2 + r4 (1000 in, $10), j2 = r3 ($4).
        // By user over everything: u1 = r1 + r3 + r4 + r7 (7700 in, $77), u2 = r2 + r5 (1800 in, $18), none = r6 ($32).
        var october = new UsageQuery { Since = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) };
        Assert.True(ledger.CanSummarizeFromAggregates(october, By("job"), TimeZoneInfo.Utc));
        Assert.Equal(new[] { ("j1", 2L, 1000L, 10m), ("j2", 1L, 400L, 4m) }, Rows(await ledger.SummarizeAsync(october, By("job"), TimeZoneInfo.Utc)));
        Assert.Equal(new[] { ("(none)", 1L, 3200L, 32m), ("u1", 4L, 7700L, 77m), ("u2", 2L, 1800L, 18m) }, Rows(await ledger.SummarizeAsync(UsageQuery.All, By("user"), TimeZoneInfo.Utc)));

        // An append after the migration adds to the monthly sums: r8 on 2 October, j1, 25 in, $0.25.
        var r8 = AcrossMonths()[1] with { Id = "r8", Timestamp = new DateTimeOffset(2026, 10, 2, 8, 0, 0, TimeSpan.Zero), Tokens = new TokenCounts { Input = 25, Output = 1 }, CostUsd = 0.25m };
        Assert.Equal(new AppendResult(1, 0), await ledger.AppendAsync([r8]));
        Assert.Equal(new[] { ("j1", 3L, 1025L, 10.25m), ("j2", 1L, 400L, 4m) }, Rows(await ledger.SummarizeAsync(october, By("job"), TimeZoneInfo.Utc)));
        UsageLedgerContract.AssertSame(await ledger.SummarizeRowsAsync(UsageQuery.All, By("job", "month"), TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, By("job", "month"), TimeZoneInfo.Utc));
    }
}
