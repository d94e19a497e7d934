using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using TokenTrace.Hosting;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>The <c>Telemetry</c> section reaches the tracker AddTokenTrace builds.</summary>
public sealed class TelemetryConfigurationTests
{
    [Fact]
    public async Task MetricAttribution_bound_from_configuration_puts_those_fields_on_the_metrics()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tokentrace-config-" + Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TokenTrace:Ledger"] = "jsonl:" + directory,
            ["TokenTrace:Telemetry:MetricAttribution"] = "Job, Session",
        }).Build();
        var services = new ServiceCollection().AddMetrics();
        services.AddSingleton(TestPrices.Catalog());
        services.AddTokenTrace(configuration.GetSection(TokenTraceOptions.SectionName));
        try
        {
            await using var provider = services.BuildServiceProvider();
            var factory = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
            var tracker = provider.GetRequiredService<TokenTracker>();
            using var cost = new MetricCollector<double>(factory, UsageTelemetry.MeterName, UsageTelemetry.CostInstrument);

            tracker.Record(TestPrices.Model, new TokenCounts { Input = 1000 }, new Attribution { Project = "p", Job = "j", Session = "s" }, "openai");

            var tags = Assert.Single(cost.GetMeasurementSnapshot()).Tags;
            Assert.Equal(("j", "s"), (tags["tokentrace.job"], tags["tokentrace.session"]));
            Assert.False(tags.ContainsKey("tokentrace.project")); // the configured list replaces the default
            await tracker.FlushAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
