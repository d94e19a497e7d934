using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>The usage counters in process, through a real <see cref="IMeterFactory"/> (so each test sees only its own meter).</summary>
public sealed class UsageMetricsTests : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly string _spill = Path.Combine(Path.GetTempPath(), "tokentrace-metrics-" + Guid.NewGuid().ToString("N"));

    private IMeterFactory Factory => _services.GetRequiredService<IMeterFactory>();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        if (Directory.Exists(_spill))
        {
            Directory.Delete(_spill, recursive: true);
        }
    }

    [Fact]
    public async Task Metrics_carry_project_and_agent_by_default_and_never_job_session_or_user()
    {
        await using var tracker = Tracker(new TokenTrackerOptions());
        using var cost = new MetricCollector<double>(Factory, UsageTelemetry.MeterName, "tokentrace.usage.cost");

        tracker.Record(Call(new TokenCounts { Input = 2000, Output = 1000 }));

        // 2000 × $1/M + 1000 × $4/M.
        var measurement = Assert.Single(cost.GetMeasurementSnapshot());
        Assert.Equal(0.006, measurement.Value, 12);
        Assert.Equal(
            ["gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.model", "tokentrace.agent", "tokentrace.project", "tokentrace.source"],
            measurement.Tags.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("p", measurement.Tags["tokentrace.project"]);
        Assert.Equal("a", measurement.Tags["tokentrace.agent"]);
    }

    [Fact]
    public async Task Every_attribution_field_can_be_put_on_the_metrics_and_none_at_all()
    {
        await using var all = Tracker(new TokenTrackerOptions { Telemetry = { MetricAttribution = MetricAttribution.Project | MetricAttribution.Job | MetricAttribution.Task | MetricAttribution.Agent | MetricAttribution.Session | MetricAttribution.User } });
        using var tokens = new MetricCollector<long>(Factory, UsageTelemetry.MeterName, "tokentrace.usage.tokens");
        all.Record(Call(new TokenCounts { Input = 5 }));
        var tags = Assert.Single(tokens.GetMeasurementSnapshot()).Tags;
        Assert.Equal(("p", "j", "t", "a", "s", "u"), (tags["tokentrace.project"], tags["tokentrace.job"], tags["tokentrace.task"], tags["tokentrace.agent"], tags["tokentrace.session"], tags["tokentrace.user"]));
        Assert.Equal("input", tags["gen_ai.token.type"]);

        tokens.Clear();
        await using var none = Tracker(new TokenTrackerOptions { Telemetry = { MetricAttribution = MetricAttribution.None } });
        none.Record(Call(new TokenCounts { Input = 5 }));
        Assert.All(tokens.GetMeasurementSnapshot(), m => Assert.DoesNotContain(m.Tags.Keys, k => k is "tokentrace.project" or "tokentrace.agent"));
    }

    [Fact]
    public async Task Tokens_are_counted_once_per_bucket_with_cache_writes_of_both_lifetimes_together()
    {
        await using var tracker = Tracker(new TokenTrackerOptions());
        using var tokens = new MetricCollector<long>(Factory, UsageTelemetry.MeterName, "tokentrace.usage.tokens");

        tracker.Record(Call(new TokenCounts { Input = 7, CacheRead = 11, CacheWrite = 13, CacheWrite1h = 17, Output = 19, Reasoning = 5 }));

        var byType = tokens.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["gen_ai.token.type"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, long> { ["input"] = 7, ["cache_read"] = 11, ["cache_write"] = 30, ["output"] = 19, ["reasoning"] = 5 }, byType);
    }

    [Fact]
    public async Task An_unpriced_call_adds_tokens_and_carbon_but_no_cost()
    {
        await using var tracker = Tracker(new TokenTrackerOptions());
        using var cost = new MetricCollector<double>(Factory, UsageTelemetry.MeterName, "tokentrace.usage.cost");
        using var co2e = new MetricCollector<double>(Factory, UsageTelemetry.MeterName, "tokentrace.usage.co2e");

        tracker.Record(Call(new TokenCounts { Input = 5 }) with { Model = "no-such-model" });

        Assert.Empty(cost.GetMeasurementSnapshot());
        Assert.Equal(0.05, Assert.Single(co2e.GetMeasurementSnapshot()).Value, 12);
    }

    [Fact]
    public async Task The_TokenTrace_meter_is_versioned_and_repeats_none_of_the_gen_ai_instruments()
    {
        var published = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == UsageTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, Factory))
                {
                    published.Add(instrument);
                }
            },
        };
        listener.Start();
        await using var tracker = Tracker(new TokenTrackerOptions());

        Assert.All(published, i => Assert.Equal("1.0.0", i.Meter.Version));
        Assert.Equal(
            [
                ("tokentrace.usage.co2e", "g"), ("tokentrace.usage.cost", "USD"), ("tokentrace.usage.energy", "Wh"), ("tokentrace.usage.tokens", "{token}"),
            ],
            published.Where(i => i.Name.StartsWith("tokentrace.usage.", StringComparison.Ordinal)).Select(i => (i.Name, i.Unit)).Order());
        Assert.DoesNotContain(published, i => i.Name.StartsWith("gen_ai.", StringComparison.Ordinal));
        Assert.Contains(published, i => i.Name == "tokentrace.tracker.records.accepted"); // one meter for usage and health
    }

    [Fact]
    public async Task Energy_is_estimated_on_the_callers_thread_only_when_a_listener_wants_it()
    {
        await using var tracker = Tracker(new TokenTrackerOptions());
        Assert.Null(tracker.Record(Call(new TokenCounts { Input = 1 })).Impact);

        using var energy = new MetricCollector<double>(Factory, UsageTelemetry.MeterName, "tokentrace.usage.energy");
        Assert.Equal(FixedImpactEstimator.PerCall, tracker.Record(Call(new TokenCounts { Input = 1 })).Impact);
        Assert.Equal(0.25, Assert.Single(energy.GetMeasurementSnapshot()).Value, 12);
    }

    [Fact]
    public async Task A_metrics_listener_that_throws_does_not_fail_the_call_and_the_record_is_stored()
    {
        var ledger = new TestLedger();
        await using var tracker = new TokenTracker(ledger, new TokenTrackerOptions { Pipeline = { Catalog = TestPrices.Catalog() }, Batching = { SpillDirectory = _spill } }, meterFactory: Factory);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, Factory) && instrument.Name == UsageTelemetry.CostInstrument)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => throw new InvalidOperationException("a broken listener"));
        listener.Start();

        var record = tracker.Record(Call(new TokenCounts { Input = 1000 }));
        await tracker.FlushAsync();

        Assert.Equal(0.001m, record.CostUsd);
        Assert.Single(await ledger.ReadAsync(UsageQuery.All).ToListAsync());
    }

    private TokenTracker Tracker(TokenTrackerOptions options)
    {
        options.Pipeline.Catalog = TestPrices.Catalog();
        options.Pipeline.ImpactEstimator = new FixedImpactEstimator();
        options.Batching.SpillDirectory = _spill;
        return new TokenTracker(new TestLedger(), options, meterFactory: Factory);
    }

    private static UsageRecord Call(TokenCounts tokens) => new()
    {
        Id = UsageRecord.NewId(),
        Timestamp = DateTimeOffset.UtcNow,
        Model = TestPrices.Model,
        Provider = "openai",
        Tokens = tokens,
        Attribution = new Attribution { Project = "p", Job = "j", Task = "t", Agent = "a", Session = "s", User = "u" },
    };
}
