using Microsoft.Extensions.AI;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI.Tests.Fakes;

namespace TokenTrace.Extensions.AI.Tests;

/// <summary>How an agent run or a kernel function learns that the model calls beneath it are already recorded.</summary>
public sealed class RecordedCallScopeTests
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "Hello?")];

    [Fact]
    public async Task Calls_made_inside_an_entered_scope_count_there_across_await_and_parallel_tasks()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var instrumented = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();
        var scope = new RecordedCallScope();

        using (scope.Enter())
        {
            await instrumented.GetResponseAsync(Question);
            await Task.WhenAll(Task.Run(() => instrumented.GetResponseAsync(Question)), Task.Run(() => instrumented.GetResponseAsync(Question)));
        }

        await instrumented.GetResponseAsync(Question);

        Assert.Equal(3, scope.Count);
        Assert.Equal(4, (await tracking.RecordsAsync()).Count);
    }

    [Fact]
    public async Task Only_the_nearest_scope_counts_a_call_and_an_uninstrumented_client_counts_nowhere()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var instrumented = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();
        using var plain = server.ChatClient();
        var outer = new RecordedCallScope();
        var inner = new RecordedCallScope();

        using (outer.Enter())
        {
            await plain.GetResponseAsync(Question);
            using (inner.Enter())
            {
                await instrumented.GetResponseAsync(Question);
            }
        }

        Assert.Equal(0, outer.Count);
        Assert.Equal(1, inner.Count);
    }
}
