using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TokenTrace.Hosting;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>
/// End to end: AddTokenTrace in a generic host, the OpenTelemetry SDK with the real OTLP exporter over HTTP/protobuf,
/// and a real receiver on loopback that decodes what arrives. Expected values are worked out by hand from the
/// <see cref="TestPrices"/> rates and <see cref="FixedImpactEstimator"/>.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    // The source M.E.AI's UseOpenTelemetry() creates its "chat {model}" spans from.
    private const string GenAISource = "Experimental.Microsoft.Extensions.AI";
    private static readonly ActivitySource ChatSource = new(GenAISource);

    private static readonly Attribution Docs = new() { Project = "docs", Agent = "writer", Job = "job-1", Session = "s-1", User = "u-1" };

    private readonly string _ledgerDirectory = Path.Combine(Path.GetTempPath(), "tokentrace-otlp-" + Guid.NewGuid().ToString("N"));
    private OtlpReceiver _receiver = null!;
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(TestPrices.Catalog());
        builder.Services.AddSingleton<IImpactEstimator, FixedImpactEstimator>();
        builder.Services.AddTokenTrace(o =>
        {
            o.Ledger = "jsonl:" + _ledgerDirectory;
            o.Telemetry.MetricAttribution |= MetricAttribution.Job;
        });
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m
                .AddTokenTraceInstrumentation()
                .AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = new Uri(_receiver.Endpoint, "/v1/metrics");
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;

                    // Only ForceFlush exports, so each export holds everything recorded before it.
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
                }))
            .WithTracing(t => t
                .AddSource(GenAISource)
                .AddTokenTraceInstrumentation()
                .AddOtlpExporter(exporter =>
                {
                    exporter.Endpoint = new Uri(_receiver.Endpoint, "/v1/traces");
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                    exporter.ExportProcessorType = ExportProcessorType.Simple;
                }));
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        if (_host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        await _receiver.DisposeAsync();
        Directory.Delete(_ledgerDirectory, recursive: true);
    }

    [Fact]
    public async Task Usage_counters_reach_an_OTLP_receiver_with_units_gen_ai_attributes_and_the_chosen_attribution()
    {
        var tracker = _host.Services.GetRequiredService<TokenTracker>();
        RecordThreeCalls(tracker);
        await tracker.FlushAsync();
        Assert.True(_host.Services.GetRequiredService<MeterProvider>().ForceFlush(30_000));

        // a: 1000 in × $1/M + 500 out × $4/M + 4000 cache read × $0.10/M = 0.0034; b: 3000 × $1/M + 100 × $4/M + 800 × $1.25/M = 0.0044.
        var cost = await _receiver.MetricAsync("tokentrace.usage.cost");
        Assert.Equal(("TokenTrace", "1.0.0"), (cost.Scope, cost.ScopeVersion));
        Assert.Equal("USD", cost.Unit);
        Assert.True(cost.IsSum && cost.IsMonotonic);
        Assert.Equal(OtlpMetric.Cumulative, cost.Temporality);
        var costPoint = Assert.Single(cost.Points); // the unpriced call adds no cost point, not a zero
        Assert.Equal(0.0078, costPoint.AsDouble!.Value, 12);
        Assert.Equal(
            new Dictionary<string, object>
            {
                ["gen_ai.operation.name"] = "chat",
                ["gen_ai.provider.name"] = "openai",
                ["gen_ai.request.model"] = "test-model",
                ["gen_ai.response.model"] = "test-model",
                ["tokentrace.source"] = "sdk",
                ["tokentrace.project"] = "docs",
                ["tokentrace.agent"] = "writer",
                ["tokentrace.job"] = "job-1",
            },
            costPoint.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).ToDictionary());

        var tokens = await _receiver.MetricAsync("tokentrace.usage.tokens");
        Assert.Equal("{token}", tokens.Unit);
        var byType = tokens.Points
            .Where(p => Equals(p.Attributes["tokentrace.project"], "docs"))
            .ToDictionary(p => (string)p.Attributes["gen_ai.token.type"], p => p.AsInt);
        Assert.Equal(
            new Dictionary<string, long?> { ["input"] = 4000, ["output"] = 600, ["cache_read"] = 4000, ["cache_write"] = 800, ["reasoning"] = 200 },
            byType);
        var web = Assert.Single(tokens.Points, p => Equals(p.Attributes["tokentrace.project"], "web"));
        Assert.Equal(10, web.AsInt);
        Assert.Equal("unknown-model", web.Attributes["gen_ai.request.model"]);
        Assert.False(web.Attributes.ContainsKey("gen_ai.provider.name")); // not reported, so not made up
        Assert.All(tokens.Points, p => Assert.False(p.Attributes.ContainsKey("tokentrace.session") || p.Attributes.ContainsKey("tokentrace.user")));

        // 0.25 Wh and 0.05 g per call: two calls for docs, one for web.
        var energy = await _receiver.MetricAsync("tokentrace.usage.energy");
        Assert.Equal("Wh", energy.Unit);
        Assert.Equal(0.5, PointOf(energy, "docs"), 12);
        Assert.Equal(0.25, PointOf(energy, "web"), 12);
        var co2e = await _receiver.MetricAsync("tokentrace.usage.co2e");
        Assert.Equal("g", co2e.Unit);
        Assert.Equal(0.1, PointOf(co2e, "docs"), 12);
        Assert.Equal(0.05, PointOf(co2e, "web"), 12);

        Assert.All(_receiver.ContentTypes, c => Assert.Equal("application/x-protobuf", c));
    }

    [Fact]
    public async Task Cost_and_carbon_arrive_as_tags_of_the_gen_ai_span_the_call_was_recorded_in()
    {
        var tracker = _host.Services.GetRequiredService<TokenTracker>();
        RecordThreeCalls(tracker);
        await tracker.FlushAsync();
        Assert.True(_host.Services.GetRequiredService<TracerProvider>().ForceFlush(30_000));

        var chat = await _receiver.SpanAsync("chat test-model");
        Assert.Equal(GenAISource, chat.Scope);
        Assert.Equal(0.0034, (double)chat.Attributes["tokentrace.cost_usd"], 12);
        Assert.Equal(0.25, (double)chat.Attributes["tokentrace.energy_wh"], 12);
        Assert.Equal(0.05, (double)chat.Attributes["tokentrace.co2e_g"], 12);
        Assert.Equal(1L, chat.Attributes["tokentrace.records"]);

        // Spans are one per call, so every attribution field rides along (metrics carry only the low-cardinality ones).
        Assert.Equal("docs", chat.Attributes["tokentrace.project"]);
        Assert.Equal("job-1", chat.Attributes["tokentrace.job"]);
        Assert.Equal("writer", chat.Attributes["tokentrace.agent"]);
        Assert.Equal("s-1", chat.Attributes["tokentrace.session"]);
        Assert.Equal("u-1", chat.Attributes["tokentrace.user"]);

        var append = await _receiver.SpanAsync("tokentrace.ledger.append");
        Assert.Equal("TokenTrace", append.Scope);
        Assert.Equal(0, append.StatusCode);
        Assert.Equal((long)append.Attributes["tokentrace.ledger.records"], (long)append.Attributes["tokentrace.ledger.added"] + (long)append.Attributes["tokentrace.ledger.duplicates"]);
    }

    /// <summary>a inside a <c>chat test-model</c> span, b and an unpriced call outside any span.</summary>
    private static void RecordThreeCalls(TokenTracker tracker)
    {
        using (var span = ChatSource.StartActivity("chat test-model", ActivityKind.Client))
        {
            Assert.NotNull(span);
            span.SetTag("gen_ai.operation.name", "chat");
            span.SetTag("gen_ai.request.model", TestPrices.Model);
            tracker.Record(Call("a", TestPrices.Model, "openai", new TokenCounts { Input = 1000, Output = 500, Reasoning = 200, CacheRead = 4000 }, Docs));
        }

        tracker.Record(Call("b", TestPrices.Model, "openai", new TokenCounts { Input = 3000, Output = 100, CacheWrite = 800 }, Docs));
        tracker.Record(Call("c", "unknown-model", null, new TokenCounts { Input = 10 }, new Attribution { Project = "web", Job = "job-2" }));
    }

    private static UsageRecord Call(string id, string model, string? provider, TokenCounts tokens, Attribution attribution) => new()
    {
        Id = id,
        Timestamp = DateTimeOffset.UtcNow,
        Model = model,
        Provider = provider,
        Tokens = tokens,
        Attribution = attribution,
    };

    private static double PointOf(OtlpMetric metric, string project) =>
        Assert.Single(metric.Points, p => Equals(p.Attributes["tokentrace.project"], project)).AsDouble!.Value;
}
