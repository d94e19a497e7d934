using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using TokenTrace.Hosting;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>
/// <see cref="LoggingUsageSink"/> as the OTLP exporter of stored records: AddTokenTrace with the sink registered,
/// OpenTelemetry logging with the real OTLP exporter, and the loopback receiver decoding <c>/v1/logs</c>.
/// </summary>
public sealed class OtlpLogExportTests
{
    [Fact]
    public async Task Each_stored_record_arrives_as_one_OTLP_log_event_with_its_tokens_cost_carbon_and_attribution()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tokentrace-logs-" + Guid.NewGuid().ToString("N"));
        await using var receiver = await OtlpReceiver.StartAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(TestPrices.Catalog());
        builder.Services.AddSingleton<IImpactEstimator, FixedImpactEstimator>();
        builder.Services.AddSingleton<IUsageSink, LoggingUsageSink>();
        builder.Services.AddTokenTrace(o => o.Ledger = "jsonl:" + directory);
        builder.Services.AddOpenTelemetry().WithLogging(l => l.AddOtlpExporter(exporter =>
        {
            exporter.Endpoint = new Uri(receiver.Endpoint, "/v1/logs");
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
        }));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var tracker = host.Services.GetRequiredService<TokenTracker>();
            tracker.Record(new UsageRecord
            {
                Id = "log-1",
                Timestamp = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero),
                Model = TestPrices.Model,
                Provider = "openai",
                Tokens = new TokenCounts { Input = 1000, Output = 500, Reasoning = 100, CacheRead = 4000 },
                Attribution = new Attribution { Project = "docs", Session = "s-9", Tags = new Dictionary<string, string> { ["team"] = "blue" } },
            });
            await tracker.FlushAsync(); // the sink runs once the ledger acknowledged the record
            Assert.True(host.Services.GetRequiredService<LoggerProvider>().ForceFlush(30_000));

            var log = await receiver.LogAsync(l => Equals(l.Attributes.GetValueOrDefault("tokentrace.record_id"), "log-1"));
            Assert.Equal("TokenTrace.Usage", log.Scope);
            Assert.Equal(9, log.Severity); // SEVERITY_NUMBER_INFO
            Assert.Equal("tokentrace.usage", log.EventName);
            var a = log.Attributes;
            Assert.Equal(("chat", "test-model", "openai", "sdk"), (a["gen_ai.operation.name"], a["gen_ai.request.model"], a["gen_ai.provider.name"], a["tokentrace.source"]));
            Assert.Equal((1000L, 4000L, 0L, 0L, 500L, 100L, 5500L), (a["tokentrace.tokens.input"], a["tokentrace.tokens.cache_read"], a["tokentrace.tokens.cache_write"], a["tokentrace.tokens.cache_write_1h"], a["tokentrace.tokens.output"], a["tokentrace.tokens.reasoning"], a["tokentrace.tokens.total"]));
            Assert.Equal(0.0034, (double)a["tokentrace.cost_usd"], 12); // 1000 × $1/M + 500 × $4/M + 4000 × $0.10/M
            Assert.Equal((0.25, 0.1, 0.5), ((double)a["tokentrace.energy_wh"], (double)a["tokentrace.energy_wh.low"], (double)a["tokentrace.energy_wh.high"]));
            Assert.Equal((0.05, 0.02, 0.1), ((double)a["tokentrace.co2e_g"], (double)a["tokentrace.co2e_g.low"], (double)a["tokentrace.co2e_g.high"]));
            Assert.Equal(("docs", "s-9", "blue"), (a["tokentrace.project"], a["tokentrace.session"], a["tokentrace.tag.team"]));
            Assert.Equal("2026-12-07T08:00:00.0000000+00:00", a["tokentrace.timestamp"]);
            Assert.False(a.ContainsKey("tokentrace.job")); // unset fields are left out, not sent empty
        }
        finally
        {
            await host.StopAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
