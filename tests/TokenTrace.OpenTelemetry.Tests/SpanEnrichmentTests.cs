using System.Diagnostics;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>Cost and carbon on the current <c>gen_ai</c> span, and TokenTrace's own ledger spans, seen by a real listener.</summary>
public sealed class SpanEnrichmentTests : IAsyncLifetime
{
    private readonly ActivitySource _chat = new("TokenTrace.Tests.Chat." + Guid.NewGuid().ToString("N"));
    private readonly ActivityListener _listener;
    private readonly List<Activity> _stopped = [];
    private readonly string _spill = Path.Combine(Path.GetTempPath(), "tokentrace-spans-" + Guid.NewGuid().ToString("N"));

    public SpanEnrichmentTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source == _chat || source.Name == UsageTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (_stopped)
                {
                    _stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _listener.Dispose();
        _chat.Dispose();
        if (Directory.Exists(_spill))
        {
            Directory.Delete(_spill, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Calls_recorded_inside_one_gen_ai_span_add_up_on_it()
    {
        await using var tracker = Tracker(new TestLedger());
        using (var span = ChatSpan())
        {
            var first = Call(new TokenCounts { Input = 1000, Output = 500 });
            tracker.Record(first);  // 0.001 + 0.002
            // One call so far: the span names its record, so a server taking the span over OTLP stores it under that id.
            Assert.Equal(first.Id, span.GetTagItem("tokentrace.record_id"));
            tracker.Record(Call(new TokenCounts { Input = 3000, Output = 100 }));  // 0.003 + 0.0004
            // Two calls have no single id.
            Assert.Null(span.GetTagItem("tokentrace.record_id"));

            Assert.Equal(0.0064, (double)span.GetTagItem("tokentrace.cost_usd")!, 12);
            Assert.Equal(0.5, (double)span.GetTagItem("tokentrace.energy_wh")!, 12);
            Assert.Equal(0.1, (double)span.GetTagItem("tokentrace.co2e_g")!, 12);
            Assert.Equal(2, span.GetTagItem("tokentrace.records"));
            Assert.Equal("p", span.GetTagItem("tokentrace.project"));
        }
    }

    [Fact]
    public async Task An_unpriced_call_adds_carbon_but_no_cost_to_its_span()
    {
        await using var tracker = Tracker(new TestLedger());
        using var span = ChatSpan();
        tracker.Record(Call(new TokenCounts { Input = 1 }) with { Model = "no-such-model" });

        Assert.Null(span.GetTagItem("tokentrace.cost_usd"));
        Assert.Equal(0.05, (double)span.GetTagItem("tokentrace.co2e_g")!, 12);
    }

    [Fact]
    public async Task A_span_that_is_not_a_gen_ai_call_is_left_alone()
    {
        await using var tracker = Tracker(new TestLedger());
        using var span = _chat.StartActivity("GET /orders")!;
        tracker.Record(Call(new TokenCounts { Input = 1 }));

        Assert.DoesNotContain(span.TagObjects, t => t.Key.StartsWith("tokentrace.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enrichment_can_be_turned_off()
    {
        await using var tracker = Tracker(new TestLedger(), enrich: false);
        using var span = ChatSpan();
        tracker.Record(Call(new TokenCounts { Input = 1 }));

        Assert.DoesNotContain(span.TagObjects, t => t.Key.StartsWith("tokentrace.", StringComparison.Ordinal));
    }

    [Fact]
    public void Enrich_ignores_a_missing_or_unrecorded_span()
    {
        var record = Call(new TokenCounts { Input = 1 }) with { CostUsd = 1m };
        UsageTelemetry.Enrich(null, record);
        using var unrecorded = new Activity("chat m") { IsAllDataRequested = false }; // as a sampler that only propagates leaves it
        unrecorded.SetTag(UsageTelemetry.GenAIOperationTag, "chat");
        Assert.False(UsageTelemetry.IsGenAISpan(unrecorded));
        UsageTelemetry.Enrich(unrecorded, record);
        Assert.Null(unrecorded.GetTagItem("tokentrace.cost_usd"));
    }

    [Fact]
    public async Task A_failing_ledger_append_is_an_error_span_and_the_call_goes_on()
    {
        var tracker = Tracker(new TestLedger(failing: true));
        using (var span = ChatSpan())
        {
            tracker.Record(Call(new TokenCounts { Input = 1 }));
        }

        await tracker.FlushAsync(); // the writer gives up and spills; nothing reaches the caller
        await tracker.DisposeAsync();

        Activity[] appends;
        lock (_stopped)
        {
            appends = [.. _stopped.Where(a => a.OperationName == "tokentrace.ledger.append")];
        }

        Assert.True(appends.Length >= 2, $"{appends.Length} append spans"); // at least MaxWriteAttempts; disposing replays the spill once more
        Assert.All(appends, a =>
        {
            Assert.Equal(ActivityStatusCode.Error, a.Status);
            Assert.Equal(typeof(IOException).FullName, a.GetTagItem("error.type"));
            Assert.Equal(1, a.GetTagItem("tokentrace.ledger.records"));
            Assert.Null(a.Parent); // a root, not a child of whichever chat span was current
        });
        Assert.Equal(1, tracker.Statistics.Spilled);
    }

    private Activity ChatSpan()
    {
        var span = _chat.StartActivity("chat test-model", ActivityKind.Client)!;
        span.SetTag(UsageTelemetry.GenAIOperationTag, "chat");
        return span;
    }

    private TokenTracker Tracker(IUsageLedger ledger, bool enrich = true) => new(ledger, new TokenTrackerOptions
    {
        Pipeline = { Catalog = TestPrices.Catalog(), ImpactEstimator = new FixedImpactEstimator() },
        Batching = { SpillDirectory = _spill, MaxWriteAttempts = 2, RetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero },
        Telemetry = { EnrichGenAISpans = enrich },
    });

    private static UsageRecord Call(TokenCounts tokens) => new()
    {
        Id = UsageRecord.NewId(),
        Timestamp = DateTimeOffset.UtcNow,
        Model = TestPrices.Model,
        Provider = "openai",
        Tokens = tokens,
        Attribution = new Attribution { Project = "p" },
    };
}
