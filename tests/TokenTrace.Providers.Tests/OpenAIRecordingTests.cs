using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Providers.OpenAI;

namespace TokenTrace.Providers.Tests;

public sealed class OpenAIRecordingTests
{
    private static OpenAIClient Client(LoopbackModelServer server) =>
        new(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.Endpoint });

    [Fact]
    public async Task A_chat_completion_is_recorded_with_cached_input_taken_out_and_reasoning_left_in_output()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        ChatCompletion completion = await Client(server).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Say hello.")]);

        await tracking.Tracker.RecordAsync(completion, new Attribution { Project = "atlas", Job = "nightly" });

        var record = await tracking.SingleRecordAsync();
        // prompt 1200 with 1024 cached → 176 uncached; completion 300 holds the 128 reasoning tokens.
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, record.Tokens);
        Assert.Equal("openai", record.Provider);
        Assert.Equal(LoopbackModelServer.ServedModel, record.Model);
        Assert.Equal(UsageSources.Sdk, record.Source);
        Assert.Equal("ok", record.Status);
        Assert.Equal("atlas", record.Attribution.Project);
        Assert.Equal("nightly", record.Attribution.Job);
        // gpt-4o-mini: $0.15 input, $0.075 cache read, $0.60 output per million: 176×0.15 + 1024×0.075 + 300×0.60 = 26.4 + 76.8 + 180 = 283.2 µ$.
        Assert.Equal(0.0002832m, record.CostUsd);
    }

    [Fact]
    public async Task A_streamed_chat_completion_is_recorded_once_from_the_usage_of_its_last_update()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var updates = 0;
        await foreach (var update in Client(server).GetChatClient("gpt-4o-mini").CompleteChatStreamingAsync([new UserChatMessage("Say hello.")]))
        {
            updates++;
            if (update.Usage is not null)
            {
                await tracking.Tracker.RecordAsync(update.Model, update.Usage);
            }
        }

        Assert.True(updates > 1, $"{updates} updates");
        var record = await tracking.SingleRecordAsync();
        // prompt 800 with 512 cached → 288 uncached; completion 120. Cost 288×0.15 + 512×0.075 + 120×0.60 = 43.2 + 38.4 + 72 = 153.6 µ$.
        Assert.Equal(new TokenCounts { Input = 288, CacheRead = 512, Output = 120 }, record.Tokens);
        Assert.Equal(0.0001536m, record.CostUsd);
        Assert.Equal(LoopbackModelServer.ServedModel, record.Model);
    }

    [Fact]
    public async Task A_chat_completion_without_usage_is_recorded_as_unreported_not_as_zero_usage()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        ChatCompletion completion = await Client(server).GetChatClient("gpt-4o-mini-nousage").CompleteChatAsync([new UserChatMessage("Say hello.")]);

        await tracking.Tracker.RecordAsync(completion);

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(TokenCounts.Zero, record.Tokens);
        Assert.Equal("unreported", record.Attribution.Tags["tokentrace.usage"]);
    }

    [Fact]
    public async Task A_Responses_API_response_is_recorded_with_its_cached_and_reasoning_details()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        ResponseResult response = await Client(server).GetResponsesClient().CreateResponseAsync("gpt-5-mini", "Say hello.");

        await tracking.Tracker.RecordAsync(response, new Attribution { User = "ada" });

        Assert.Equal("Hello there.", response.GetOutputText());
        var record = await tracking.SingleRecordAsync();
        // input 2000 with 1536 cached → 464 uncached; output 900 holds the 640 reasoning tokens.
        Assert.Equal(new TokenCounts { Input = 464, CacheRead = 1536, Output = 900, Reasoning = 640 }, record.Tokens);
        Assert.Equal(LoopbackModelServer.ServedResponsesModel, record.Model);
        Assert.Equal("openai", record.Provider);
        Assert.Equal("ok", record.Status);
        Assert.Equal("ada", record.Attribution.User);
        // gpt-5-mini: $0.25 input, $0.025 cache read, $2 output per million: 464×0.25 + 1536×0.025 + 900×2 = 116 + 38.4 + 1800 = 1954.4 µ$.
        Assert.Equal(0.0019544m, record.CostUsd);
    }

    [Fact]
    public async Task A_streamed_Responses_API_call_is_recorded_from_its_completed_response()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var text = "";
        await foreach (var update in Client(server).GetResponsesClient().CreateResponseStreamingAsync("gpt-5-mini", "Say hello."))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text += delta.Delta;
            }
            else if (update is StreamingResponseCompletedUpdate completed)
            {
                await tracking.Tracker.RecordAsync(completed.Response);
            }
        }

        Assert.Equal("Hello there. ", text);
        var record = await tracking.SingleRecordAsync();
        // input 1500 with 1024 cached → 476 uncached; output 400 holds 256 reasoning.
        // 476×0.25 + 1024×0.025 + 400×2 = 119 + 25.6 + 800 = 944.6 µ$.
        Assert.Equal(new TokenCounts { Input = 476, CacheRead = 1024, Output = 400, Reasoning = 256 }, record.Tokens);
        Assert.Equal(0.0009446m, record.CostUsd);
    }

    [Fact]
    public async Task Usage_whose_cached_part_exceeds_the_input_is_refused_naming_the_field()
    {
        await using var tracking = new SqliteTracking();
        var usage = OpenAIChatModelFactory.ChatTokenUsage(inputTokenCount: 10, outputTokenCount: 5, totalTokenCount: 15,
            inputTokenDetails: OpenAIChatModelFactory.ChatInputTokenUsageDetails(cachedTokenCount: 11));

        var error = await Assert.ThrowsAsync<UsageFormatException>(async () => await tracking.Tracker.RecordAsync("gpt-4o-mini", usage));

        Assert.Equal("usage.prompt_tokens_details.cached_tokens", error.Field);
        Assert.Empty(await tracking.RecordsAsync());
    }
}
