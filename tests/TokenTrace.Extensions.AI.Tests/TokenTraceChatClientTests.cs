using TokenTrace.Examples.ModelServer;
using System.ClientModel;
using Microsoft.Extensions.AI;
using TokenTrace.Extensions.AI.Tests.Fakes;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class TokenTraceChatClientTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Say hello.")];

    [Fact]
    public async Task A_call_through_the_OpenAI_SDK_is_recorded_in_disjoint_buckets_priced_with_latency_and_status()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        var response = await client.GetResponseAsync(Hello);

        Assert.Equal("Hello there.", response.Text);
        var record = await tracking.SingleRecordAsync();
        // prompt 1200 with 1024 cached → 176 uncached; completion 300 holds the 128 reasoning tokens.
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, record.Tokens);
        Assert.Equal("openai", record.Provider);
        Assert.Equal(LoopbackModelServer.ServedModel, record.Model);
        Assert.Equal(UsageOperations.Chat, record.Operation);
        Assert.Equal(UsageSources.Sdk, record.Source);
        Assert.Equal("ok", record.Status);
        Assert.True(record.LatencyMs > 0, $"latency {record.LatencyMs}");
        // gpt-4o-mini: $0.15 input, $0.075 cache read, $0.60 output per million: 176×0.15 + 1024×0.075 + 300×0.60 = 283.2 µ$.
        Assert.Equal(0.0002832m, record.CostUsd);
        Assert.Empty(record.Attribution.Tags);
    }

    [Fact]
    public async Task A_call_through_the_Anthropic_SDK_has_its_cache_writes_taken_out_of_input()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var anthropic = new Anthropic.AnthropicClient { ApiKey = "k", BaseUrl = server.Root.ToString().TrimEnd('/') };
        using var client = anthropic.AsIChatClient("claude-sonnet-4-5", 1024).AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        Assert.Equal("Hello there.", (await client.GetResponseAsync(Hello)).Text);

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(new TokenCounts { Input = 100, CacheRead = 2000, CacheWrite = 300, Output = 80 }, record.Tokens);
        Assert.Equal("claude-sonnet-4-5-20250929", record.Model);
        Assert.Equal("anthropic", record.Provider);
        // $3 input, $0.30 cache read, $3.75 cache write, $15 output per million: 300 + 600 + 1125 + 1200 = 3225 µ$.
        Assert.Equal(0.003225m, record.CostUsd);
    }

    [Fact]
    public async Task A_streamed_call_through_the_OpenAI_SDK_counts_its_usage_once()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        var text = "";
        await foreach (var update in client.GetStreamingResponseAsync(Hello))
        {
            text += update.Text;
        }

        Assert.Equal("Hello there. ", text);
        var record = await tracking.SingleRecordAsync();
        // prompt 800 with 512 cached → 288 uncached; completion 120. Cost 288×0.15 + 512×0.075 + 120×0.60 = 153.6 µ$.
        Assert.Equal(new TokenCounts { Input = 288, CacheRead = 512, Output = 120 }, record.Tokens);
        Assert.Equal(0.0001536m, record.CostUsd);
        Assert.Equal(LoopbackModelServer.ServedModel, record.Model);
        Assert.Equal("ok", record.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_that_reports_no_usage_is_recorded_as_unreported_not_as_zero_usage(bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient("gpt-4o-mini-nousage").AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        if (streaming)
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Hello))
            {
            }
        }
        else
        {
            await client.GetResponseAsync(Hello);
        }

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(TokenCounts.Zero, record.Tokens);
        Assert.Equal(TokenTraceTags.Unreported, record.Attribution.Tags[TokenTraceTags.Usage]);
        Assert.Equal("ok", record.Status);
        var unreported = await tracking.Sqlite.ReadAsync(new UsageQuery { Tags = new Dictionary<string, string> { [TokenTraceTags.Usage] = TokenTraceTags.Unreported } }).ToListAsync();
        Assert.Single(unreported);
    }

    [Fact]
    public async Task A_failed_call_is_recorded_with_status_error_and_the_failure_reaches_the_caller()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient("broken").AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        var failure = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(Hello));

        Assert.Equal(400, failure.Status);
        var record = await tracking.SingleRecordAsync();
        Assert.Equal("error", record.Status);
        Assert.Equal("broken", record.Model);
        Assert.Equal(TokenTraceTags.Unreported, record.Attribution.Tags[TokenTraceTags.Usage]);
        Assert.True(record.LatencyMs > 0);
    }

    [Fact]
    public async Task A_stream_that_fails_after_reporting_usage_is_still_billed()
    {
        await using var tracking = new SqliteTracking();
        var inner = new ScriptedChatClient("openai",
            ScriptedChatClient.Text("Hel", "gpt-4o-mini"),
            ScriptedChatClient.Usage(new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 50, TotalTokenCount = 1050 }))
        {
            Failure = new IOException("connection reset"),
        };
        using var client = inner.AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Hello))
            {
            }
        });

        var record = await tracking.SingleRecordAsync();
        Assert.Equal("error", record.Status);
        Assert.Equal(new TokenCounts { Input = 1000, Output = 50 }, record.Tokens);
        // 1000×0.15 + 50×0.60 = 180 µ$.
        Assert.Equal(0.00018m, record.CostUsd);
    }

    [Fact]
    public async Task A_stream_the_caller_abandons_records_once_the_usage_reported_so_far()
    {
        await using var tracking = new SqliteTracking();
        const string model = "claude-sonnet-4-5-20250929";
        // Anthropic's adapter reports input first (cache reads and writes folded into the input count), output at the end.
        var inner = new ScriptedChatClient("anthropic",
            ScriptedChatClient.Usage(new UsageDetails
            {
                InputTokenCount = 100 + 2000 + 300,
                CachedInputTokenCount = 2000,
                AdditionalCounts = new() { [UsageDetailsNormalizer.CacheCreationInputTokens] = 300 },
            }, model),
            ScriptedChatClient.Text("Hello", model),
            ScriptedChatClient.Text(" there.", model),
            ScriptedChatClient.Usage(new UsageDetails { OutputTokenCount = 80 }, model));
        using var client = inner.AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        await foreach (var update in client.GetStreamingResponseAsync(Hello))
        {
            if (update.Text == "Hello")
            {
                break;
            }
        }

        Assert.Equal(2, inner.Pulled);
        var record = await tracking.SingleRecordAsync();
        Assert.Equal("cancelled", record.Status);
        Assert.Equal(new TokenCounts { Input = 100, CacheRead = 2000, CacheWrite = 300 }, record.Tokens);
        Assert.Equal("anthropic", record.Provider);
        Assert.Equal(model, record.Model);
    }

    [Fact]
    public async Task Streamed_usage_deltas_add_up_into_one_record_with_the_adapters_quirks_undone()
    {
        await using var tracking = new SqliteTracking();
        var inner = new ScriptedChatClient("anthropic",
            ScriptedChatClient.Usage(new UsageDetails
            {
                InputTokenCount = 100 + 2000 + 300,
                CachedInputTokenCount = 2000,
                AdditionalCounts = new() { [UsageDetailsNormalizer.CacheCreationInputTokens] = 300 },
            }),
            ScriptedChatClient.Text("Hello"),
            ScriptedChatClient.Usage(new UsageDetails { OutputTokenCount = 30 }),
            ScriptedChatClient.Usage(new UsageDetails { OutputTokenCount = 50 }));
        using var client = inner.AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        await foreach (var _ in client.GetStreamingResponseAsync(Hello))
        {
        }

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(new TokenCounts { Input = 100, CacheRead = 2000, CacheWrite = 300, Output = 80 }, record.Tokens);
        Assert.Equal("ok", record.Status);
    }

    [Fact]
    public async Task Google_reasoning_reported_outside_output_is_added_to_output()
    {
        await using var tracking = new SqliteTracking();
        var inner = new ScriptedChatClient("google", ScriptedChatClient.Usage(new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 200, ReasoningTokenCount = 150 }, "gemini-2.5-flash"));
        using var client = inner.AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        await client.GetResponseAsync(Hello);

        Assert.Equal(new TokenCounts { Input = 1000, Output = 350, Reasoning = 150 }, (await tracking.SingleRecordAsync()).Tokens);
    }

    [Fact]
    public async Task The_model_comes_from_the_response_else_the_options_else_the_client_metadata()
    {
        await using var tracking = new SqliteTracking();
        var inner = new ScriptedChatClient("openai", ScriptedChatClient.Text("no model named here"));
        using var client = inner.AsBuilder().UseTokenTrace(t => { t.Tracker = tracking.Tracker; t.ProviderName = "azure"; }).Build();
        using var named = new ScriptedChatClient("openai", ScriptedChatClient.Text("hi", "gpt-4o-2024-08-06")).AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        await client.GetResponseAsync(Hello, new ChatOptions { ModelId = "gpt-4o-mini" });
        await client.GetResponseAsync(Hello);
        await named.GetResponseAsync(Hello, new ChatOptions { ModelId = "gpt-4o-mini" });

        var records = (await tracking.RecordsAsync()).OrderBy(r => r.Timestamp).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(["gpt-4o-mini", "scripted-model", "gpt-4o-2024-08-06"], records.Select(r => r.Model));
        Assert.Equal(["azure", "azure", "openai"], records.Select(r => r.Provider));
    }

    [Fact]
    public async Task A_ledger_that_throws_on_every_write_never_fails_a_call()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking(ledger => new ThrowingLedger(ledger), o => o.Batching.MaxWriteAttempts = 1);
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("Hello there.", (await client.GetResponseAsync(Hello)).Text);
            var streamed = "";
            await foreach (var update in client.GetStreamingResponseAsync(Hello))
            {
                streamed += update.Text;
            }

            Assert.Equal("Hello there. ", streamed);
        }

        await tracking.Tracker.FlushAsync();
        var statistics = tracking.Tracker.Statistics;
        Assert.Equal(20, statistics.Recorded);
        Assert.Equal(0, statistics.Persisted);
        Assert.Equal(20, statistics.Spilled);
    }

    [Fact]
    public async Task A_call_the_caller_cancels_is_recorded_as_cancelled()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var cancel = new CancellationTokenSource();
        var neverAnswered = new TaskCompletionSource();
        server.OnChatRequest = cancel.Cancel;
        server.AnswerGate = neverAnswered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(Hello, cancellationToken: cancel.Token));

        var record = await tracking.SingleRecordAsync();
        Assert.Equal("cancelled", record.Status);
        Assert.Equal(TokenTraceTags.Unreported, record.Attribution.Tags[TokenTraceTags.Usage]);
        neverAnswered.SetResult();
    }

    [Fact]
    public async Task Without_a_tracker_building_the_pipeline_fails_with_a_message_that_says_how_to_fix_it()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        var failure = Assert.Throws<InvalidOperationException>(() => server.ChatClient().AsBuilder().UseTokenTrace().Build());
        Assert.Contains("AddTokenTrace", failure.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingLedger(IUsageLedger inner) : DelegatingUsageLedger(inner)
    {
        public override Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
            throw new IOException("disk full");

#pragma warning disable CA2215 // The test owns the inner ledger.
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA2215
    }
}
