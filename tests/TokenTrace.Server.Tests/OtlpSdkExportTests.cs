using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;
using TokenTrace.Sqlite;
using static TokenTrace.Server.Tests.IngestTests;

namespace TokenTrace.Server.Tests;

/// <summary>
/// End to end with real parts only: the OpenAI SDK through M.E.AI's <c>UseOpenTelemetry()</c> and TokenTrace's
/// <c>UseTokenTrace</c> against the loopback model server; the OpenTelemetry .NET SDK's OTLP exporter (HTTP/protobuf,
/// the bearer token in its headers) sending the <c>gen_ai</c> spans to a real server over a real SQLite ledger.
/// </summary>
public sealed class OtlpSdkExportTests
{
    // The source M.E.AI's UseOpenTelemetry() makes its "chat {model}" spans from.
    private const string GenAISource = "Experimental.Microsoft.Extensions.AI";

    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Say hello.")];

    [Fact]
    public async Task Spans_of_instrumented_calls_become_the_same_records_the_app_kept_and_a_second_export_stores_nothing_new()
    {
        await using var server = await ServerHarness.StartAsync();
        await using var model = await LoopbackModelServer.StartAsync();
        using var local = new TempDirectory();
        await using var localLedger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + local.File("app.db"));
        await using var tracker = new TokenTracker(localLedger);
        var exporterOptions = new OtlpExporterOptions
        {
            Endpoint = new Uri(server.Address, "v1/traces"),
            Protocol = OtlpExportProtocol.HttpProtobuf,
            // As OTEL_EXPORTER_OTLP_HEADERS would give it.
            Headers = "Authorization=Bearer " + ServerHarness.WriteSecret,
        };
        var exported = new List<Activity>();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddService("checkout-api"))
            .AddSource(GenAISource)
            .AddProcessor(new SimpleActivityExportProcessor(new OtlpTraceExporter(exporterOptions)))
            .AddProcessor(new CollectingProcessor(exported))
            .Build())
        {
            // UseTokenTrace inside UseOpenTelemetry: the tracker tags the gen_ai span with the call's attribution.
            using var client = model.ChatClient().AsBuilder().UseOpenTelemetry().UseTokenTrace(tracker).Build();
            using (UsageScope.Begin(new Attribution { Project = "docs", Agent = "writer", Session = "s-7" }))
            {
                await client.GetResponseAsync(Hello);
            }

            await client.GetResponseAsync(Hello);
            Assert.True(tracing.ForceFlush(30_000));
        }

        await tracker.FlushAsync();
        var kept = (await ReadAllAsync(localLedger)).OrderBy(r => r.Attribution.Project, StringComparer.Ordinal).ToList();
        var stored = (await ReadAllAsync(server.Ledger)).OrderBy(r => r.Attribution.Project, StringComparer.Ordinal).ToList();
        Assert.Equal(2, exported.Count);
        Assert.Equal(2, stored.Count);

        // The loopback server answers prompt 1200 (1024 cached), completion 300 (128 reasoning), model gpt-4o-mini-2024-07-18:
        // 176 uncached input, 1024 cache reads, 300 output of which 128 reasoning; priced at gpt-4o-mini's rates,
        // 176 × $0.15/M + 1024 × $0.075/M + 300 × $0.60/M = 0.0000264 + 0.0000768 + 0.00018 = $0.0002832.
        var expected = new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 };
        Assert.All(stored, r => Assert.Equal(expected, r.Tokens));
        Assert.All(stored, r => Assert.Equal((LoopbackModelServer.ServedModel, 0.0002832m, "otlp"), (r.Model, r.CostUsd, r.Source)));
        // The span of the scoped call carries tokentrace.project/agent/session; the other falls back to service.name.
        Assert.Equal(("checkout-api", null, null), (stored[0].Attribution.Project, stored[0].Attribution.Agent, stored[0].Attribution.Session));
        Assert.Equal(("docs", "writer", "s-7"), (stored[1].Attribution.Project, stored[1].Attribution.Agent, stored[1].Attribution.Session));
        Assert.All(stored, r => Assert.Equal("laptop", r.Attribution.Tags["principal"]));
        // What the app kept itself, through its own path (not OTLP), says the same, under the same ids: each span carried
        // the id of the record the app made of its call (tokentrace.record_id).
        Assert.Equal(2, kept.Count);
        Assert.Equal(kept.Select(r => (r.Model, r.Tokens, r.CostUsd, r.Attribution.Agent, r.Attribution.Session)), stored.Select(r => (r.Model, r.Tokens, r.CostUsd, r.Attribution.Agent, r.Attribution.Session)));
        Assert.Equal(kept.Select(r => r.Id).Order(StringComparer.Ordinal), stored.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(stored, r => r.Id.StartsWith("otlp-", StringComparison.Ordinal));

        // So the app's own ledger pushed to the same server as well adds nothing: one call, one record, by either path.
        var pushed = await server.Ledger.AppendAsync(kept);
        Assert.Equal((0, 2), (pushed.Added, pushed.Duplicates));

        // The same spans exported again (as an exporter's retry, or a collector sending twice): nothing new.
        using (var again = new OtlpTraceExporter(exporterOptions))
        {
            Assert.Equal(ExportResult.Success, again.Export(new Batch<Activity>([.. exported], exported.Count)));
        }

        Assert.Equal(2, (await ReadAllAsync(server.Ledger)).Count);
        Assert.Contains(server.Logs.Collector.GetSnapshot(), l => l.Message.Contains("0 stored, 2 duplicates, 0 rejected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_metric_records_on_the_SDKs_delta_token_usage_histogram_becomes_one_record_per_window()
    {
        await using var server = await ServerHarness.StartAsync(otlpMetricRecords: true);
        await using var model = await LoopbackModelServer.StartAsync();
        using (var metrics = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService("checkout-api"))
            .AddMeter(GenAISource)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = new Uri(server.Address, "v1/metrics");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Headers = "Authorization=Bearer " + ServerHarness.WriteSecret;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Delta;
                // Only ForceFlush exports, so the window holds both calls.
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
            })
            .Build())
        {
            using var client = model.ChatClient().AsBuilder().UseOpenTelemetry().Build();
            await client.GetResponseAsync(Hello);
            await client.GetResponseAsync(Hello);
            Assert.True(metrics.ForceFlush(30_000));
        }

        var record = Assert.Single(await ReadAllAsync(server.Ledger));
        // Two calls of prompt 1200 and completion 300: input 2400, output 600 in one window (the histogram has no cache
        // type, so all input is priced uncached): 2400 × $0.15/M + 600 × $0.60/M = 0.00036 + 0.00036 = $0.00072.
        Assert.Equal(new TokenCounts { Input = 2400, Output = 600 }, record.Tokens);
        Assert.Equal((LoopbackModelServer.ServedModel, "checkout-api", "otlp-metrics", 0.00072m), (record.Model, record.Attribution.Project, record.Source, record.CostUsd));
    }

    /// <summary>Keeps each ended span, to export the very same spans a second time.</summary>
    private sealed class CollectingProcessor(List<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            lock (spans)
            {
                spans.Add(data);
            }
        }
    }
}
