using TokenTrace.Examples.ModelServer;
using Microsoft.Extensions.AI;
using TokenTrace.Extensions.AI.Tests.Fakes;

namespace TokenTrace.Extensions.AI.Tests;

/// <summary>
/// The loopback model first asks for <c>get_weather</c> (prompt 100, completion 20), then answers after the tool result
/// (prompt 150, completion 30): two model calls in one run.
/// </summary>
public sealed class FunctionInvocationPlacementTests
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "What is the weather?")];

    private static ChatOptions WithWeatherTool() => new() { Tools = [AIFunctionFactory.Create(() => "sunny", "get_weather")] };

    private static async Task<string> RunAsync(IChatClient client, bool streaming)
    {
        if (!streaming)
        {
            return (await client.GetResponseAsync(Question, WithWeatherTool())).Text;
        }

        var text = "";
        await foreach (var update in client.GetStreamingResponseAsync(Question, WithWeatherTool()))
        {
            text += update.Text;
        }

        return text.TrimEnd();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Inside_function_invocation_each_model_call_is_a_record(bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder()
            .UseFunctionInvocation()
            .UseTokenTrace(tracking.Tracker)
            .Build();

        Assert.Equal("It is sunny.", await RunAsync(client, streaming));

        var records = await tracking.RecordsAsync();
        Assert.Equal(2, server.ChatRequests);
        Assert.Equal(
            [new TokenCounts { Input = 100, Output = 20 }, new TokenCounts { Input = 150, Output = 30 }],
            records.Select(r => r.Tokens).OrderBy(t => t.Input));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Outside_function_invocation_a_run_is_one_record_with_the_usage_of_every_model_call(bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder()
            .UseTokenTrace(tracking.Tracker)
            .UseFunctionInvocation()
            .Build();

        Assert.Equal("It is sunny.", await RunAsync(client, streaming));

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(2, server.ChatRequests);
        Assert.Equal(new TokenCounts { Input = 100 + 150, Output = 20 + 30 }, record.Tokens);
        // 250×0.15 + 50×0.60 = 67.5 µ$.
        Assert.Equal(0.0000675m, record.CostUsd);
    }
}
