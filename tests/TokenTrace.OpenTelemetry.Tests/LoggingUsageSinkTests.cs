using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>The log event itself, read back through <see cref="FakeLogger"/>.</summary>
public sealed class LoggingUsageSinkTests
{
    [Fact]
    public void An_unpriced_record_is_logged_without_a_cost_attribute_and_says_so_in_its_message()
    {
        using var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        var sink = new LoggingUsageSink(factory);

        sink.Emit(new UsageRecord
        {
            Id = "u-1",
            Timestamp = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero),
            Model = "no-such-model",
            Tokens = new TokenCounts { Input = 40, Output = 2 },
        });

        var entry = Assert.Single(provider.Collector.GetSnapshot());
        Assert.Equal(("TokenTrace.Usage", LogLevel.Information, "tokentrace.usage"), (entry.Category, entry.Level, entry.Id.Name));
        Assert.Equal("no-such-model used 42 tokens, unpriced", entry.Message);
        var state = entry.StructuredState!.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.False(state.ContainsKey("tokentrace.cost_usd"));
        Assert.False(state.ContainsKey("gen_ai.provider.name"));
        Assert.Equal("42", state["tokentrace.tokens.total"]);
    }
}
