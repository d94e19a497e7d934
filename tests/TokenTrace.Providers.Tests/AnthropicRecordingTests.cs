using Anthropic;
using Anthropic.Models.Messages;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Providers.Anthropic;

namespace TokenTrace.Providers.Tests;

public sealed class AnthropicRecordingTests
{
    private static Task<Message> AskAsync(LoopbackModelServer server, string model)
    {
        var client = new AnthropicClient { ApiKey = "k", BaseUrl = server.Root.ToString().TrimEnd('/') };
        return client.Messages.Create(new MessageCreateParams { Model = model, MaxTokens = 1024, Messages = [new UserMessageParam("Say hello.")] });
    }

    [Fact]
    public async Task A_message_is_recorded_with_cache_reads_and_writes_beside_the_input()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var message = await AskAsync(server, "claude-sonnet-4-5");

        using (UsageScope.Begin(new Attribution { Project = "atlas" }))
        {
            await tracking.Tracker.RecordAsync(message, new Attribution { Agent = "writer" });
        }

        var record = await tracking.SingleRecordAsync();
        // Anthropic's input_tokens (100) already excludes the 2000 cache reads and 300 (5-minute) cache writes.
        Assert.Equal(new TokenCounts { Input = 100, CacheRead = 2000, CacheWrite = 300, Output = 80 }, record.Tokens);
        Assert.Equal("claude-sonnet-4-5-20250929", record.Model);
        Assert.Equal("anthropic", record.Provider);
        Assert.Equal("standard", record.ServiceTier);
        Assert.Equal("atlas", record.Attribution.Project);
        Assert.Equal("writer", record.Attribution.Agent);
        // $3 input, $0.30 cache read, $3.75 cache write, $15 output per million: 100×3 + 2000×0.3 + 300×3.75 + 80×15 = 300 + 600 + 1125 + 1200 = 3225 µ$.
        Assert.Equal(0.003225m, record.CostUsd);
    }

    [Fact]
    public async Task One_hour_cache_writes_are_kept_apart_and_priced_at_their_own_rate()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var message = await AskAsync(server, "claude-sonnet-4-5-cache-1h");

        await tracking.Tracker.RecordAsync(message);

        var record = await tracking.SingleRecordAsync();
        // 300 writes: 100 for 5 minutes, 200 for an hour.
        Assert.Equal(new TokenCounts { Input = 100, CacheRead = 2000, CacheWrite = 100, CacheWrite1h = 200, Output = 80 }, record.Tokens);
        // 100×3 + 2000×0.3 + 100×3.75 + 200×6 + 80×15 = 300 + 600 + 375 + 1200 + 1200 = 3675 µ$.
        Assert.Equal(0.003675m, record.CostUsd);
    }
}
