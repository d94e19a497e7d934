using TokenTrace.Examples.ModelServer;
using Microsoft.Extensions.AI;
using TokenTrace.Extensions.AI.Tests.Fakes;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task A_thousand_concurrent_calls_half_streaming_leave_exactly_a_thousand_records()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => Task.Run(async () =>
        {
            ChatMessage[] messages = [new(ChatRole.User, "Say hello.")];
            if (i % 2 == 0)
            {
                await client.GetResponseAsync(messages);
                return;
            }

            await foreach (var _ in client.GetStreamingResponseAsync(messages))
            {
            }
        })));

        var records = await tracking.RecordsAsync();
        Assert.Equal(1000, records.Count);
        Assert.Equal(1000, records.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(records, r => Assert.Equal("ok", r.Status));
        // 500 JSON calls (176 input, 1024 cache read, 300 output) and 500 streamed ones (288, 512, 120), each counted once.
        Assert.Equal(500 * 176 + 500 * 288, records.Sum(r => r.Tokens.Input));
        Assert.Equal(500 * 1024 + 500 * 512, records.Sum(r => r.Tokens.CacheRead));
        Assert.Equal(500 * 300 + 500 * 120, records.Sum(r => r.Tokens.Output));
        Assert.Equal(500 * 0.0002832m + 500 * 0.0001536m, records.Sum(r => r.CostUsd!.Value));
    }
}
