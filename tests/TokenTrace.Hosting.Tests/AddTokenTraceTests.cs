using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TokenTrace.Sqlite;

namespace TokenTrace.Hosting.Tests;

public sealed class AddTokenTraceTests
{
    private static IConfigurationSection Section(IDictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => "TokenTrace:" + v.Key, v => v.Value)).Build().GetSection(TokenTraceOptions.SectionName);

    private static IHost Build(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder.Services);
        return builder.Build();
    }

    private static UsageRecord Call(string id) => new()
    {
        Id = id, Timestamp = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero), Model = "gpt-4o", Tokens = new TokenCounts { Input = 1_000, Output = 100 },
    };

    [Fact]
    public async Task Bound_options_have_the_values_of_the_configuration_section()
    {
        using var temp = new TempDirectory();
        using var host = Build(services => services.AddTokenTrace(Section(new Dictionary<string, string?>
        {
            ["Ledger"] = "jsonl:" + temp.File("usage"),
            ["Region"] = "eu-north-1",
            ["Tracker:QueueCapacity"] = "128",
            ["Tracker:BatchSize"] = "16",
            ["Tracker:RetryDelay"] = "00:00:00.200",
            ["Tracker:ExitGracePeriod"] = "00:00:03",
            ["Tracker:SpillDirectory"] = temp.File("spill"),
            ["DefaultAttribution:Project"] = "docs",
            ["DefaultAttribution:Tags:team"] = "platform",
            ["Files:RetentionDays"] = "30",
            ["Prices:Aliases:house-model"] = "claude-haiku-4-5",
            ["Prices:Patterns:0:Match"] = "^ft:gpt-4o",
            ["Prices:Patterns:0:Model"] = "gpt-4o",
            ["Prices:Overrides:0:Model"] = "acme.house-v1:0",
            ["Prices:Overrides:0:Provider"] = "acme",
            ["Prices:Overrides:0:Input"] = "1.5",
            ["Prices:Overrides:0:Output"] = "6",
            ["Prices:Overrides:0:EffectiveFrom"] = "2026-01-01",
            ["Prices:Overrides:0:LongContext:0:Above"] = "100000",
            ["Prices:Overrides:0:LongContext:0:Input"] = "3",
            ["Prices:Overrides:0:Tiers:batch:Input"] = "0.75",
            ["Prices:Overrides:1:Model"] = "other",
            ["Prices:Overrides:1:Output"] = "2",
            ["Impact:Basis"] = "market",
            ["Impact:Regions:anthropic"] = "eu-west-3",
            ["Budgets:0:Name"] = "docs-month",
            ["Budgets:0:Limit"] = "50",
            ["Budgets:0:Period"] = "monthly",
            ["Budgets:0:Mode"] = "hard",
            ["Budgets:0:AlertAt:0"] = "75",
            ["Budgets:0:Scope:0"] = "project=docs",
            ["Alerts:Webhooks:0:Url"] = "https://hooks.example/tt",
        })));
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<TokenTraceOptions>>().Value;
        Assert.Equal("jsonl:" + temp.File("usage"), options.LedgerSpec);
        Assert.Equal("eu-north-1", options.Region);
        Assert.Equal(128, options.Tracker.QueueCapacity);
        Assert.Equal(16, options.Tracker.BatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.Tracker.RetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Tracker.ExitGracePeriod);
        Assert.Equal(temp.File("spill"), host.Services.GetRequiredService<TokenTracker>().SpillDirectory);
        Assert.Equal("platform", options.DefaultAttribution.Tags["team"]);
        Assert.Equal(30, options.Files.RetentionDays);
        Assert.Equal("claude-haiku-4-5", options.Prices.Aliases["HOUSE-MODEL"]);
        Assert.Equal(["acme.house-v1:0", "other"], options.Prices.Overrides.Select(o => o.Model));
        var house = options.Prices.Overrides[0];
        Assert.Equal(new DateOnly(2026, 1, 1), house.EffectiveFrom);
        Assert.Equal(100_000, Assert.Single(house.LongContext).Above);
        Assert.Equal(0.75m, house.Tiers["batch"].Input);
        Assert.Equal(CarbonBasis.Market, options.Impact.Basis);
        Assert.Equal("eu-west-3", options.Impact.Regions["anthropic"]);
        var budget = Assert.Single(options.BuildBudgets());
        Assert.Equal(BudgetMode.Hard, budget.Mode);
        Assert.Equal([75], budget.AlertAt);
        Assert.Equal("project=docs", BudgetScope.ToText(budget.Scope));
        Assert.Equal("https://hooks.example/tt", Assert.Single(options.Alerts.Webhooks).Url);

        var catalog = host.Services.GetRequiredService<PriceCatalog>();
        var price = catalog.Find("acme.house-v1:0")!;
        Assert.Equal(0.0000015m, price.Rates.Input);
        Assert.Equal(0.00000075m, price.ServiceTiers["batch"].Input);
        Assert.Equal("claude-haiku-4-5", catalog.Find("house-model")!.Name);
        Assert.Equal("gpt-4o", catalog.Find("ft:gpt-4o:acme::x")!.Name);
        var tracker = host.Services.GetRequiredService<TokenTracker>();
        Assert.Same(catalog, tracker.Catalog);
        var recorded = tracker.Record("house-model", new TokenCounts { Input = 10 });
        Assert.Equal("docs", recorded.Attribution.Project); // the configured default attribution
        Assert.Equal("platform", recorded.Attribution.Tags["team"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_record_made_through_the_resolved_tracker_lands_in_the_configured_ledger()
    {
        using var temp = new TempDirectory();
        var spec = "sqlite:" + temp.File("usage.db");
        using (var host = Build(services => services.AddTokenTrace(Section(new Dictionary<string, string?> { ["Ledger"] = spec }))))
        {
            await host.StartAsync();
            var tracker = host.Services.GetRequiredService<TokenTracker>();
            Assert.Equal(spec, tracker.Ledger.Spec);
            tracker.Record(Call("r1"));
            await tracker.FlushAsync();
            await host.StopAsync();
        }

        await using var ledger = new UsageLedgerFactory().AddSqlite().Open(spec);
        var stored = Assert.Single(await ledger.ReadAsync(UsageQuery.All).ToListAsync());
        Assert.Equal("r1", stored.Id);
        Assert.NotNull(stored.CostUsd);
    }

    [Fact]
    public async Task Options_set_in_code_configure_the_tracker_and_its_ledger()
    {
        using var temp = new TempDirectory();
        using var host = Build(services => services.AddTokenTrace(options =>
        {
            options.Ledger = "jsonl:" + temp.File("usage");
            options.Region = "DE";
            options.Prices.Overrides.Add(new PriceOverride { Model = "gpt-4o", Input = 1, Output = 10 });
        }));
        await host.StartAsync();

        var tracker = host.Services.GetRequiredService<TokenTracker>();
        tracker.Record(Call("c1"));
        await tracker.FlushAsync();
        var stored = Assert.Single(await host.Services.GetRequiredService<IUsageLedger>().ReadAsync(UsageQuery.All).ToListAsync());
        Assert.Equal(0.002m, stored.CostUsd); // 1 000 × $1/M + 100 × $10/M
        Assert.NotNull(stored.Impact);
        Assert.Equal("DE", host.Services.GetRequiredService<IImpactEstimator>().Estimate(stored)!.Region);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Tracker:QueueCapacity", "0", "Tracker:QueueCapacity: QueueCapacity must be at least 1")]
    [InlineData("Tracker:BatchSize", "-1", "Tracker:BatchSize: BatchSize must be at least 1")]
    [InlineData("Tracker:EnqueueTimeout", "-00:00:01", "Tracker:EnqueueTimeout")]
    [InlineData("Ledger", "duckdb:/data/usage.duckdb", "duckdb ledgers are not available")]
    [InlineData("Ledger", "ftp://example/usage", "Ledger: ledger 'ftp://example/usage'")]
    [InlineData("Region", "atlantis-1", "Region: unknown region")]
    [InlineData("Prices:Overrides:0:Model", "m", "Prices.Overrides[0] (m): needs at least Input or Output")]
    [InlineData("Budgets:0:Name", "b", "Budgets[0]:")]
    [InlineData("Alerts:Webhooks:0:Url", "ftp://x", "Alerts.Webhooks[0].Url")]
    [InlineData("Kiro:Ledger", "ftp://example/usage", "Kiro.Ledger: ledger 'ftp://example/usage'")]
    [InlineData("Kiro:Model", " ", "Kiro.Model: expected the model name")]
    public async Task A_bad_option_fails_on_start_with_a_message_naming_it(string key, string value, string expected)
    {
        using var host = Build(services => services.AddTokenTrace(Section(new Dictionary<string, string?> { ["Ledger"] = "jsonl:/unused", [key] = value })));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Services_registered_before_are_kept_and_a_time_provider_is_added_when_absent()
    {
        var services = new ServiceCollection().AddTokenTrace(options => options.Ledger = "jsonl:/unused");
        Assert.Contains(services, d => d.ServiceType == typeof(TimeProvider) && d.ImplementationInstance == TimeProvider.System);

        var catalog = PriceCatalog.BuiltIn;
        var mine = new ServiceCollection().AddSingleton(catalog).AddTokenTrace(options => options.Ledger = "jsonl:/unused");
        using var provider = mine.BuildServiceProvider();
        Assert.Same(catalog, provider.GetRequiredService<PriceCatalog>());
    }
}
