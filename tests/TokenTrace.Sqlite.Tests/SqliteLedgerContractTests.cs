using CsCheck;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new SqliteUsageLedger(Path.Combine(directory, "usage.db"));

    [Fact]
    public void Columns_follow_the_shared_field_order()
    {
        Assert.Equal(UsageRecordFields.Names, SqliteSchema.Columns.Select(c => c.Field));
    }

    [Fact]
    public async Task A_damaged_database_is_reported_with_its_path()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await File.WriteAllTextAsync(path, "this is not a database, it was truncated and overwritten");
        var ledger = new SqliteUsageLedger(path);
        var error = await Assert.ThrowsAsync<LedgerFormatException>(() => ledger.AppendAsync([new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UtcNow, Model = "m" }]));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.False((await ledger.CheckAsync()).IsHealthy);
    }
}

public sealed class SqliteLargeSummaryTests
{
    [Fact]
    public async Task A_summary_split_across_cores_or_read_from_the_rollup_equals_the_sum_of_its_records()
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        var random = new Random(42);
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        string[] models = ["claude-sonnet-4-5", "gpt-4o", "gemini-2.5-pro"];
        var records = Enumerable.Range(0, 260_000).Select(i => new UsageRecord
        {
            Id = "r" + i,
            Timestamp = start.AddMinutes(random.Next(0, 60 * 24 * 90)),
            Model = models[i % 3],
            Tokens = new TokenCounts { Input = random.Next(0, 10_000), Output = random.Next(0, 1_000), CacheRead = i % 5 },
            CostUsd = i % 97 == 0 ? null : random.Next(0, 1_000_000) / 1_000_000_000m,
            Attribution = new Attribution { Project = "p" + (i % 7) },
        }).ToList();
        for (var i = 0; i < records.Count; i += 50_000)
        {
            await ledger.AppendAsync(records.GetRange(i, Math.Min(50_000, records.Count - i)));
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        foreach (var by in new[] { "model", "week,project", "model,agent" })
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            var expected = new UsageSummaryBuilder(dimensions, zone);
            records.ForEach(expected.Add);
            UsageLedgerContract.AssertSame(expected.Build(), await ledger.SummarizeAsync(UsageQuery.All, dimensions, zone));
        }
    }
}

public sealed class SqliteRollupTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 7, 0, TimeSpan.Zero);

    private static UsageRecord Make(string id, string model, decimal? cost, string? project = null, string? agent = null, int minutes = 0) => new()
    {
        Id = id, Timestamp = At.AddMinutes(minutes), Model = model, CostUsd = cost, Tokens = new TokenCounts { Input = 10, Output = 5 },
        Attribution = new Attribution { Project = project, Agent = agent },
    };

    private static async Task AssertRollupMatchesRawAsync(SqliteUsageLedger ledger)
    {
        // "model" is served by the rollup; adding "agent" forces the raw path over every row.
        var rolled = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc);
        var raw = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model, SummaryDimension.Parse("agent")], TimeZoneInfo.Utc);
        var expected = UsageSummaries.Regroup(raw, [SummaryDimension.Model], TimeZoneInfo.Utc);
        UsageLedgerContract.AssertSame(expected, rolled);
    }

    /// <summary>
    /// Small appends go to the rollup at once; larger ones with many keys wait until RollupLag rows do (0 keys per
    /// append: every append waits), and summaries read the waiting rows meanwhile.
    /// </summary>
    [Theory]
    [InlineData(20_000, 64)]
    [InlineData(1, 0)]
    [InlineData(3, 0)]
    [InlineData(20_000, 0)]
    public async Task The_rollup_follows_duplicates_and_cost_revisions(int rollupLag, int keysPerAppend)
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db")) { RollupLag = rollupLag, RollupKeysPerAppend = keysPerAppend };
        await ledger.AppendAsync([Make("a", "m1", 1m, "p"), Make("b", "m1", null, agent: "x", minutes: 20), Make("c", "m2", 0.25m, minutes: 60)]);
        await ledger.AppendAsync([Make("a", "m1", 99m, "p")]); // duplicate: ignored, must not reach the rollup
        await AssertRollupMatchesRawAsync(ledger);
        var before = await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc);
        Assert.Equal(1.25m, before.Total.CostUsd);
        Assert.Equal(1, before.Total.UnpricedRecords);

        await ledger.ReviseCostsAsync([new CostRevision("b", 2m, null), new CostRevision("a", null, null)]);
        await AssertRollupMatchesRawAsync(ledger);
        var after = await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc);
        Assert.Equal(2.25m, after.Total.CostUsd);
        Assert.Equal(1, after.Total.UnpricedRecords);

        // Folded rows and waiting rows together: a revision before the fold reaches the rollup through the fold.
        await ledger.AppendAsync([Make("d", "m2", 0.5m, minutes: 61), Make("e", "m3", 0.125m, minutes: 200)]);
        await ledger.ReviseCostsAsync([new CostRevision("e", 0.375m, null), new CostRevision("c", 0.5m, null)]);
        await ledger.AppendAsync([Make("f", "m1", 1m, minutes: 5)]);
        await AssertRollupMatchesRawAsync(ledger);
        Assert.Equal(4.375m, (await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc)).Total.CostUsd);
        Assert.Equal(4.375m, (await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("agent")], TimeZoneInfo.Utc)).Total.CostUsd);

        // A range on hour edges uses the rollup; one off the edge uses the rows; both agree.
        var edge = new UsageQuery { Since = new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero) };
        var offEdge = new UsageQuery { Since = new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero).AddTicks(1) };
        Assert.Equal(3, (await ledger.SummarizeAsync(edge, [], TimeZoneInfo.Utc)).Total.Records);
        Assert.Equal(3, (await ledger.SummarizeAsync(offEdge, [], TimeZoneInfo.Utc)).Total.Records);
        Assert.Equal(1.375m, (await ledger.SummarizeAsync(edge, [SummaryDimension.Day], TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"))).Total.CostUsd);
        Assert.Equal(1m, (await ledger.SummarizeAsync(edge with { Model = "m2" }, [SummaryDimension.Model], TimeZoneInfo.Utc)).Total.CostUsd);
    }

    /// <summary>
    /// A range off hour edges is answered as whole hours from the rollup plus the partial hours at its ends from the
    /// rows: for random bounds (to the second), dimensions and zones, the summary equals the sum of the records in range.
    /// </summary>
    [Fact]
    public async Task A_range_off_hour_edges_equals_the_sum_of_the_records_in_it()
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db")) { RollupLag = 1_000 }; // two folds, 200 rows waiting
        var start = new DateTimeOffset(2026, 10, 30, 20, 0, 0, TimeSpan.Zero); // spans New York's fall-back night
        var random = new Random(7);
        string[] models = ["m1", "m2", "m3"];
        var records = Enumerable.Range(0, 3_000).Select(i => new UsageRecord
        {
            Id = "e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Timestamp = start.AddSeconds(random.Next(0, 3 * 24 * 3600)),
            Model = models[i % 3],
            Tokens = new TokenCounts { Input = random.Next(0, 10_000), Output = i % 11 },
            CostUsd = i % 13 == 0 ? null : random.Next(0, 1_000_000) / 1_000_000_000m,
        }).ToList();
        foreach (var chunk in records.Chunk(700))
        {
            await ledger.AppendAsync(chunk);
        }

        string[][] shapes = [[], ["model"], ["hour"], ["day", "model"]];
        TimeZoneInfo[] zones = [TimeZoneInfo.Utc, TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata")];
        var bound = Gen.Int[-1, 3 * 24 * 3600].Select(s => s < 0 ? (DateTimeOffset?)null : start.AddSeconds(s));
        await Gen.Select(bound, bound, Gen.Int[0, shapes.Length - 1], Gen.Int[0, zones.Length - 1]).SampleAsync(
            async (since, until, shape, zone) =>
            {
                var query = new UsageQuery { Since = since, Until = until };
                var dimensions = shapes[shape].Select(SummaryDimension.Parse).ToList();
                var expected = new UsageSummaryBuilder(dimensions, zones[zone]);
                records.Where(r => (since is null || r.Timestamp >= since) && (until is null || r.Timestamp < until)).ToList().ForEach(expected.Add);
                UsageLedgerContract.AssertSame(expected.Build(), await ledger.SummarizeAsync(query, dimensions, zones[zone]));
            },
            iter: 60);
    }

    [Fact]
    public async Task Upgrading_a_version_2_database_builds_the_rollup_from_its_rows()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");

        // A version-2 database, as an older TokenTrace left it: rows and no rollup.
        OlderLedgerFile.Create(path, 2, [Make("a", "m1", 1m, "p"), Make("b", "m2", 0.5m, minutes: 30)]);
        await new SqliteUsageLedger(path).AppendAsync([Make("c", "m1", 0.25m, minutes: 50)]);
        Assert.Equal(SqliteSchema.Latest.ToString(System.Globalization.CultureInfo.InvariantCulture), (await new SqliteUsageLedger(path).CheckAsync()).Details["schema version"]);
        await AssertRollupMatchesRawAsync(new SqliteUsageLedger(path));
        Assert.Equal(1.75m, (await new SqliteUsageLedger(path).SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc)).Total.CostUsd);
    }
}

public sealed class SqliteEmptyLedgerTests
{
    [Fact]
    public async Task An_empty_ledger_summarizes_to_zero_on_every_path()
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        foreach (var by in new[] { Array.Empty<SummaryDimension>(), [SummaryDimension.Model], [SummaryDimension.Parse("job")], [SummaryDimension.Day] })
        {
            var summary = await ledger.SummarizeAsync(UsageQuery.All, by, TimeZoneInfo.Utc);
            Assert.DoesNotContain(summary.Rows, r => r.Totals.Records > 0);
            Assert.Equal(0, summary.Total.Records);
        }
    }
}
