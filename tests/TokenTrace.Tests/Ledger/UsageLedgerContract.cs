using CsCheck;

namespace TokenTrace.Tests;

/// <summary>
/// The behaviour every ledger must have. Each store's test class derives from this and says how to open the store;
/// the same tests then run against SQLite, JSONL and CSV.
/// </summary>
public abstract partial class UsageLedgerContract
{
    /// <summary>Opens a ledger that keeps its data under <paramref name="directory"/>.</summary>
    protected abstract IUsageLedger Open(string directory);

    /// <summary>
    /// Whether the store keeps its data in files under the directory given to <see cref="Open"/>. A server-backed store
    /// (PostgreSQL) keeps none there; its files are the server's, owner-only by the server's own rule.
    /// </summary>
    protected virtual bool KeepsFilesInTheDirectory => true;

    private static UsageRecord Make(string id, DateTimeOffset at, string model = "claude-sonnet-4-5", string? job = null, string? project = null, decimal? cost = 0.5m, long input = 100) => new()
    {
        Id = id,
        Timestamp = at,
        Model = model,
        Provider = "anthropic",
        Tokens = new TokenCounts { Input = input, Output = 10 },
        Attribution = new Attribution { Job = job, Project = project, Agent = "a-" + id, Session = "s-" + id, User = "u", Task = "t", Tags = new Dictionary<string, string> { ["team"] = job ?? "none" } },
        CostUsd = cost,
    };

    private static async Task<List<UsageRecord>> ReadAll(IUsageLedger ledger, UsageQuery? query = null)
    {
        var list = new List<UsageRecord>();
        await foreach (var record in ledger.ReadAsync(query ?? UsageQuery.All))
        {
            list.Add(record);
        }

        return list;
    }

    [Fact]
    public void Every_field_round_trips_exactly_including_hostile_text()
    {
        var runs = 0;
        RecordGenerators.Batch.Sample(batch =>
        {
            Interlocked.Increment(ref runs);
            Assert.NotEmpty(batch);
            using var temp = new TempDirectory();
            var ledger = Open(temp.Path);
            ledger.AppendAsync(batch).GetAwaiter().GetResult();
            var read = ReadAll(ledger).GetAwaiter().GetResult().ToDictionary(r => r.Id);
            Assert.Equal(batch.Length, read.Count);
            Assert.All(batch, record => DeepAssert.Equal(record, read[record.Id]));
        }, iter: 40);
        Assert.True(runs >= 40, $"the property ran {runs} times");
    }

    /// <summary>A record with a value in every field, each different from its default.</summary>
    internal static UsageRecord EveryField { get; } = new()
    {
        Id = "every-field",
        Timestamp = new DateTimeOffset(2026, 11, 23, 10, 7, 8, TimeSpan.Zero).AddTicks(1_234_567),
        Provider = "anthropic",
        Model = "claude-sonnet-4-5-20250929",
        Operation = "embeddings",
        Tokens = new TokenCounts
        {
            Input = 1, CacheRead = 2, CacheWrite = 3, CacheWrite1h = 4, Output = 7, Reasoning = 6,
            Extra = new Dictionary<string, long> { ["web_search_requests"] = 2, ["image_output"] = 3 },
        },
        Attribution = new Attribution
        {
            Project = "docs", Job = "nightly", Task = "index", Agent = "planner", Session = "s-1", User = "ada",
            Tags = new Dictionary<string, string> { ["team"] = "search", ["env"] = "prod" },
        },
        ServiceTier = "flex",
        CostUsd = 0.000123456789m,
        Price = new PriceReference("claude-sonnet-4-5", new DateOnly(2025, 9, 29), "builtin@2026-11-01"),
        Impact = new ImpactEstimate(new EstimateRange(0.1, 0.2, 0.7), new EstimateRange(0.01, 0.03, 0.09)),
        Region = "eu-west-3",
        Source = "claude-code",
        LatencyMs = 1234.5,
        Status = "ok",
    };

    /// <summary>
    /// Fields no ledger stores yet. <c>Impact.Region</c> (the grid the estimator used) has no column or field in any
    /// store; it is read back as null. See <see cref="The_estimate_region_round_trips"/>.
    /// </summary>
    private static readonly string[] NotStoredYet = ["Impact.Region"];

    [Fact]
    public void The_every_field_fixture_sets_every_field()
    {
        // A field added to UsageRecord (or to a type inside it) fails here until the fixture sets it, and then the
        // round-trip test below checks that every ledger stores it.
        var unset = DeepAssert.Leaves(EveryField)
            .Where(leaf => leaf.Value is null || leaf.Value.Equals(0L) || leaf.Value.Equals(0.0) || leaf.Value.Equals(0m) || leaf.Value.Equals(default(DateTimeOffset)))
            .Select(leaf => leaf.Path)
            .Order(StringComparer.Ordinal);
        Assert.Equal(NotStoredYet, unset);
        Assert.NotEqual(UsageOperations.Chat, EveryField.Operation);
        Assert.NotEqual(UsageSources.Sdk, EveryField.Source);
    }

    [Fact]
    public async Task A_record_with_every_field_set_round_trips_exactly()
    {
        using var temp = new TempDirectory();
        await Open(temp.Path).AppendAsync([EveryField]);
        var read = Assert.Single(await ReadAll(Open(temp.Path)));
        DeepAssert.Equal(EveryField, read);
    }

    [Fact(Skip = "Known gap: no ledger stores ImpactEstimate.Region (the estimator's grid); it reads back as null.")]
    public async Task The_estimate_region_round_trips()
    {
        var record = EveryField with { Impact = EveryField.Impact! with { Region = "FR" } };
        using var temp = new TempDirectory();
        await Open(temp.Path).AppendAsync([record]);
        DeepAssert.Equal(record, Assert.Single(await ReadAll(Open(temp.Path))));
    }

    [Fact]
    public async Task Appending_the_same_id_again_never_double_counts()
    {
        using var temp = new TempDirectory();
        var ledger = Open(temp.Path);
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var first = await ledger.AppendAsync([Make("a", at), Make("b", at)]);
        var second = await ledger.AppendAsync([Make("a", at, cost: 99m), Make("c", at)]);
        Assert.Equal(new AppendResult(2, 0), first);
        Assert.Equal(new AppendResult(1, 1), second);
        var records = await ReadAll(ledger);
        Assert.Equal(["a", "b", "c"], records.Select(r => r.Id).Order());
        Assert.Equal(0.5m, records.Single(r => r.Id == "a").CostUsd);
    }

    [Fact]
    public async Task Queries_filter_by_time_range_and_every_field()
    {
        using var temp = new TempDirectory();
        var ledger = Open(temp.Path);
        var day = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
        await ledger.AppendAsync(
        [
            Make("1", day.AddHours(1), job: "j1", project: "p1"),
            Make("2", day.AddDays(1).AddHours(1), model: "gpt-4o", job: "j2", project: "p1"),
            Make("3", day.AddDays(2).AddHours(1), job: "j1", project: "p2"),
        ]);

        async Task<string[]> Ids(UsageQuery query) => [.. (await ReadAll(ledger, query)).Select(r => r.Id).Order()];

        Assert.Equal(["2", "3"], await Ids(new UsageQuery { Since = day.AddDays(1) }));
        Assert.Equal(["1"], await Ids(new UsageQuery { Until = day.AddDays(1) }));
        Assert.Equal(["2"], await Ids(new UsageQuery { Since = day.AddDays(1), Until = day.AddDays(1).AddHours(1).AddTicks(1) }));
        Assert.Equal(["1", "3"], await Ids(new UsageQuery { Job = "j1" }));
        Assert.Equal(["3"], await Ids(new UsageQuery { Project = "p2" }));
        Assert.Equal(["2"], await Ids(new UsageQuery { Model = "gpt-4o" }));
        Assert.Equal(["1", "2", "3"], await Ids(new UsageQuery { Provider = "anthropic" }));
        Assert.Equal(["2"], await Ids(new UsageQuery { Agent = "a-2" }));
        Assert.Equal(["3"], await Ids(new UsageQuery { Session = "s-3" }));
        Assert.Equal(["1", "2", "3"], await Ids(new UsageQuery { User = "u", Task = "t" }));
        Assert.Equal(["2"], await Ids(new UsageQuery { Tags = new Dictionary<string, string> { ["team"] = "j2" } }));
        Assert.Empty(await Ids(new UsageQuery { User = "nobody" }));
    }

    [Fact]
    public void Summaries_of_random_records_agree_with_the_in_memory_aggregator()
    {
        // The file ledgers summarize with UsageSummaryBuilder, so for them this only checks that reading loses nothing;
        // it is SQLite's SQL and rollup that it checks against an independent computation. The hand-computed totals in
        // UsageLedgerContract.Summaries.cs are what pins down the right answer for every ledger.
        // A half-hour zone and a whole-hour zone with DST: stores may serve the second from hourly rollups.
        var zones = new[] { TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris") };
        var runs = 0;
        RecordGenerators.Batch.Sample(batch =>
        {
            Interlocked.Increment(ref runs);
            using var temp = new TempDirectory();
            var ledger = Open(temp.Path);
            ledger.AppendAsync(batch).GetAwaiter().GetResult();
            foreach (var (by, zone) in new[] { "model", "day", "week,month", "project,hour", "tag:team", "user,provider", "region,source,hour" }.SelectMany(b => zones.Select(z => (b, z))))
            {
                var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
                var expected = new UsageSummaryBuilder(dimensions, zone);
                foreach (var record in batch)
                {
                    expected.Add(record);
                }

                var actual = ledger.SummarizeAsync(UsageQuery.All, dimensions, zone).GetAwaiter().GetResult();
                AssertSame(expected.Build(), actual);
            }
        }, iter: 15);
        Assert.True(runs >= 15, $"the property ran {runs} times");
    }

    [Fact]
    public async Task Revising_costs_changes_the_cost_and_nothing_else()
    {
        using var temp = new TempDirectory();
        var ledger = Open(temp.Path);
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var original = Make("a", at, cost: null);
        await ledger.AppendAsync([original, Make("b", at)]);
        var reference = new PriceReference("claude-sonnet-4-5", new DateOnly(2025, 9, 29), "builtin@test");
        var changed = await ledger.ReviseCostsAsync([new CostRevision("a", 1.25m, reference), new CostRevision("missing", 1m, null)]);
        Assert.Equal(1, changed);
        var revised = (await ReadAll(ledger)).Single(r => r.Id == "a");
        Assert.Equal(original with { CostUsd = 1.25m, Price = reference }, revised);
        Assert.Equal(0, await ledger.ReviseCostsAsync([new CostRevision("a", 1.25m, reference)]));
    }

    [Fact]
    public async Task A_revision_with_a_provider_fills_it_and_summaries_follow()
    {
        using var temp = new TempDirectory();
        var ledger = Open(temp.Path);
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var original = Make("p", at) with { Provider = null };
        await ledger.AppendAsync([original, Make("q", at.AddMinutes(1))]);

        // Same cost and price: only the provider changes, and that alone is a change.
        Assert.Equal(1, await ledger.ReviseCostsAsync([new CostRevision("p", original.CostUsd, original.Price) { Provider = "anthropic" }]));
        Assert.Equal(original with { Provider = "anthropic" }, (await ReadAll(ledger)).Single(r => r.Id == "p"));

        // A revision without a provider keeps the stored one.
        Assert.Equal(0, await ledger.ReviseCostsAsync([new CostRevision("p", original.CostUsd, original.Price)]));
        Assert.Equal("anthropic", (await ReadAll(ledger)).Single(r => r.Id == "p").Provider);

        var byProvider = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("provider")], TimeZoneInfo.Utc);
        var row = Assert.Single(byProvider.Rows);
        Assert.Equal("anthropic", row.Key["provider"]);
        Assert.Equal(2, row.Totals.Records);
        Assert.Equal(2, (await ledger.SummarizeAsync(new UsageQuery { Provider = "anthropic" }, [], TimeZoneInfo.Utc)).Total.Records);
    }

    [Fact]
    public async Task Concurrent_appenders_lose_and_duplicate_nothing()
    {
        using var temp = new TempDirectory();
        var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var ledger = Open(temp.Path);
            for (var i = 0; i < 40; i++)
            {
                // Every worker also re-sends worker 0's ids: they must be stored once.
                await ledger.AppendAsync([Make($"w{worker}-{i}", at), Make($"w0-{i}", at)]);
            }
        }));
        await Task.WhenAll(tasks);
        var records = await ReadAll(Open(temp.Path));
        Assert.Equal(8 * 40, records.Count);
        Assert.Equal(8 * 40, records.Select(r => r.Id).Distinct().Count());
        Assert.True((await Open(temp.Path).CheckAsync()).IsHealthy);
    }

    [Fact]
    public async Task Files_are_readable_by_their_owner_only()
    {
        if (OperatingSystem.IsWindows() || !KeepsFilesInTheDirectory)
        {
            return;
        }

        using var temp = new TempDirectory();
        var ledger = Open(temp.Path);
        await ledger.AppendAsync([Make("a", DateTimeOffset.UtcNow)]);
        var files = Directory.EnumerateFiles(temp.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var mode = File.GetUnixFileMode(file);
            Assert.True((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) == 0, $"{file} is {mode}");
        }
    }

    [Fact]
    public async Task Budgets_and_fired_alerts_are_kept_in_the_ledger_across_reopening()
    {
        using var temp = new TempDirectory();
        var store = Open(temp.Path).GetRequiredService<IBudgetStore>();
        var budget = new Budget
        {
            Name = "docs, \"monthly\"",
            Limit = 12.5m,
            Period = BudgetPeriod.Parse("monthly"),
            TimeZone = "Europe/Paris",
            Unit = BudgetUnit.Tokens,
            Mode = BudgetMode.Hard,
            AlertAt = [25, 90],
            Scope = BudgetScope.Parse(["project=docs", "tag:team=a=b"]),
        };
        await store.SaveBudgetAsync(budget);
        await store.SaveBudgetAsync(budget with { Name = "other", Limit = 1m });
        await store.SaveBudgetAsync(budget with { Limit = 20m });

        var reopened = Open(temp.Path).GetRequiredService<IBudgetStore>();
        var budgets = await reopened.ListBudgetsAsync();
        Assert.Equal(2, budgets.Count);
        var read = budgets.Single(b => b.Name == budget.Name);
        Assert.Equal(20m, read.Limit);
        Assert.Equal(budget.Period, read.Period);
        Assert.Equal(budget.TimeZone, read.TimeZone);
        Assert.Equal(budget.Unit, read.Unit);
        Assert.Equal(budget.Mode, read.Mode);
        Assert.Equal(budget.AlertAt, read.AlertAt);
        Assert.Equal(BudgetScope.ToText(budget.Scope), BudgetScope.ToText(read.Scope));

        Assert.True(await store.MarkAlertAsync(budget.Name, 42, "threshold:25"));
        Assert.False(await reopened.MarkAlertAsync(budget.Name, 42, "threshold:25"));
        Assert.True(await reopened.MarkAlertAsync(budget.Name, 43, "threshold:25"));
        Assert.True(await reopened.RemoveBudgetAsync("other"));
        Assert.False(await reopened.RemoveBudgetAsync("other"));
        Assert.Single(await store.ListBudgetsAsync());
    }

    /// <summary>
    /// Asserts that two summaries have the same dimensions, the same groups in the same order, and the same value in
    /// every property of every group's totals and of the grand total (compared by reflection, so a new figure is
    /// compared too). Floating-point sums may differ in the last bits because stores add in different orders.
    /// </summary>
    internal static void AssertSame(UsageSummary expected, UsageSummary actual)
    {
        Assert.Equal(expected.Dimensions.Select(d => d.Name), actual.Dimensions.Select(d => d.Name));
        Assert.Equal(expected.Rows.Select(r => KeyText(r.Key)), actual.Rows.Select(r => KeyText(r.Key)));
        for (var i = 0; i < expected.Rows.Count; i++)
        {
            DeepAssert.Equal(expected.Rows[i].Totals, actual.Rows[i].Totals, 1e-9, KeyText(expected.Rows[i].Key));
        }

        DeepAssert.Equal(expected.Total, actual.Total, 1e-9, "total");
    }

    private static string KeyText(IReadOnlyDictionary<string, string?> key) => string.Join("|", key.Select(k => $"{k.Key}={k.Value ?? "<null>"}"));
}
