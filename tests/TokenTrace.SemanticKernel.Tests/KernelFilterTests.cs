using System.ClientModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;
using ChatClientBuilder = Microsoft.Extensions.AI.ChatClientBuilder;
using IChatClient = Microsoft.Extensions.AI.IChatClient;

namespace TokenTrace.SemanticKernel.Tests;

/// <summary>
/// A real <see cref="Kernel"/> against the loopback server, through the SK OpenAI connector (usage as
/// <c>OpenAI.Chat.ChatTokenUsage</c> under "Usage") or through the OpenAI SDK's <see cref="IChatClient"/> (usage as
/// M.E.AI <c>UsageDetails</c> / <c>UsageContent</c>). Canned usage: a plain answer is prompt 1200 (1024 cached) +
/// completion 300 (128 reasoning) as JSON, prompt 800 (512 cached) + completion 120 as SSE; with tools, the call of
/// <c>get_weather</c> is 100 + 20 and the answer after it 150 + 30. gpt-4o-mini: $0.15 input, $0.075 cache read, $0.60 output per million.
/// </summary>
public sealed class KernelFilterTests
{
    public enum Backend
    {
        /// <summary>The SK OpenAI connector: ChatTokenUsage.</summary>
        Connector,

        /// <summary>An IChatClient without UseTokenTrace: UsageDetails / UsageContent.</summary>
        ChatClient,

        /// <summary>An IChatClient with UseTokenTrace: the chat client records, the filter stands back.</summary>
        InstrumentedChatClient,
    }

    private static Kernel Build(LoopbackModelServer server, TokenTracker tracker, Backend backend)
    {
        var builder = Kernel.CreateBuilder();
        switch (backend)
        {
            case Backend.Connector:
                builder.AddOpenAIChatCompletion("gpt-4o-mini", new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.Endpoint }));
                break;
            case Backend.ChatClient:
                // As AddOpenAIChatClient builds it: SK's function invocation around the SDK's chat client.
                builder.Services.AddSingleton(new ChatClientBuilder(server.ChatClient()).UseKernelFunctionInvocation().Build());
                break;
            default:
                // UseTokenTrace inside the function invocation: one record per model call.
                builder.Services.AddSingleton(new ChatClientBuilder(server.ChatClient()).UseKernelFunctionInvocation().UseTokenTrace(tracker).Build());
                break;
        }

        builder.AddTokenTrace(tracker);
        return builder.Build();
    }

    private static async Task<string> InvokeAsync(Kernel kernel, KernelFunction function, bool streaming, KernelArguments? arguments = null)
    {
        if (!streaming)
        {
            return (await kernel.InvokeAsync(function, arguments)).ToString();
        }

        var text = "";
        await foreach (var update in kernel.InvokeStreamingAsync<StreamingChatMessageContent>(function, arguments))
        {
            text += update.Content;
        }

        return text.TrimEnd();
    }

    [Theory]
    [InlineData(Backend.Connector, false)]
    [InlineData(Backend.Connector, true)]
    [InlineData(Backend.ChatClient, false)]
    [InlineData(Backend.ChatClient, true)]
    [InlineData(Backend.InstrumentedChatClient, false)]
    [InlineData(Backend.InstrumentedChatClient, true)]
    public async Task A_prompt_function_is_recorded_once_priced_and_attributed(Backend backend, bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var kernel = Build(server, tracking.Tracker, backend);
        var greet = KernelFunctionFactory.CreateFromPrompt("Say hello.", functionName: "greet");
        kernel.ImportPluginFromFunctions("Writer", [greet]);

        using (UsageScope.Begin(new Attribution { Job = "newsletter" }))
        {
            Assert.Equal("Hello there.", await InvokeAsync(kernel, kernel.Plugins["Writer"]["greet"], streaming));
        }

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(1, server.ChatRequests);
        Assert.Equal("openai", record.Provider);
        Assert.Equal(LoopbackModelServer.ServedModel, record.Model);
        Assert.Equal("newsletter", record.Attribution.Job);
        Assert.Equal("Writer.greet", record.Attribution.Tags[TokenTraceKernelTags.Function]);
        if (streaming)
        {
            // 288 × 0.15 + 512 × 0.075 + 120 × 0.60 = 153.6 µ$.
            Assert.Equal(new TokenCounts { Input = 288, CacheRead = 512, Output = 120 }, record.Tokens);
            Assert.Equal(0.0001536m, record.CostUsd);
        }
        else
        {
            // 176 × 0.15 + 1024 × 0.075 + 300 × 0.60 = 283.2 µ$.
            Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, record.Tokens);
            Assert.Equal(0.0002832m, record.CostUsd);
        }

        // The filter's own records say so; the instrumented chat client's record is the only one, and untagged.
        if (backend == Backend.InstrumentedChatClient)
        {
            Assert.False(record.Attribution.Tags.ContainsKey(TokenTraceTags.Usage));
        }
        else
        {
            Assert.Equal(TokenTraceKernelTags.KernelUsage, record.Attribution.Tags[TokenTraceTags.Usage]);
        }
    }

    [Fact]
    public async Task Registering_the_filter_twice_still_records_each_call_once()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion("gpt-4o-mini", new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.Endpoint }));
        builder.AddTokenTrace(tracking.Tracker);
        builder.AddTokenTrace(tracking.Tracker);
        var kernel = builder.Build().UseTokenTrace(tracking.Tracker);

        Assert.Equal("Hello there.", (await kernel.InvokePromptAsync("Say hello.")).ToString());

        Assert.Single(kernel.FunctionInvocationFilters);
        Assert.Single(kernel.AutoFunctionInvocationFilters);
        var record = await tracking.SingleRecordAsync();
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, record.Tokens);
    }

    [Fact]
    public async Task A_stream_read_as_another_content_type_is_never_broken_by_the_filter()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var kernel = Build(server, tracking.Tracker, Backend.Connector);
        var greet = KernelFunctionFactory.CreateFromPrompt("Say hello.", functionName: "greet");

        // A derived element type: covariance matches the filter's StreamingChatMessageContent case, so a wrapper of that
        // type would fail SK's cast back to IAsyncEnumerable<OpenAIStreamingChatMessageContent>. Not followed, not broken.
        var derived = "";
        await foreach (var update in kernel.InvokeStreamingAsync<OpenAIStreamingChatMessageContent>(greet))
        {
            derived += update.Content;
        }

        // The base content type is followed and recorded once.
        var based = "";
        await foreach (var update in kernel.InvokeStreamingAsync<StreamingKernelContent>(greet))
        {
            based += update.ToString();
        }

        Assert.Equal("Hello there.", derived.TrimEnd());
        Assert.Equal("Hello there.", based.TrimEnd());
        Assert.Equal(2, server.ChatRequests);

        // The streamed answer's usage: prompt 800 (512 cached), completion 120.
        var record = await tracking.SingleRecordAsync();
        Assert.Equal(new TokenCounts { Input = 288, CacheRead = 512, Output = 120 }, record.Tokens);
    }

    [Theory]
    [InlineData(Backend.Connector, false)]
    [InlineData(Backend.Connector, true)]
    [InlineData(Backend.ChatClient, false)]
    [InlineData(Backend.ChatClient, true)]
    [InlineData(Backend.InstrumentedChatClient, false)]
    [InlineData(Backend.InstrumentedChatClient, true)]
    public async Task An_automatic_tool_loop_counts_both_model_calls_exactly_once(Backend backend, bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var kernel = Build(server, tracking.Tracker, backend);
        var toolRan = 0;
        kernel.ImportPluginFromFunctions("Weather", [KernelFunctionFactory.CreateFromMethod(() =>
        {
            Interlocked.Increment(ref toolRan);
            return "sunny";
        }, "get_weather")]);
        var ask = KernelFunctionFactory.CreateFromPrompt("What is the weather?", functionName: "ask");
        var settings = new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };

        Assert.Equal("It is sunny.", await InvokeAsync(kernel, ask, streaming, new KernelArguments(settings)));

        var records = await tracking.RecordsAsync();
        Assert.Equal(1, toolRan);
        Assert.Equal(2, server.ChatRequests);
        // Whatever the split (per model call, or the loop summed), the two calls add up to 100 + 150 input and 20 + 30
        // output, once: 250 × 0.15 + 50 × 0.60 = 67.5 µ$.
        Assert.Equal(250, records.Sum(r => r.Tokens.Input));
        Assert.Equal(50, records.Sum(r => r.Tokens.Output));
        Assert.Equal(0.0000675m, records.Sum(r => r.CostUsd));
        Assert.All(records, r => Assert.Equal("ask", r.Attribution.Tags[TokenTraceKernelTags.Function]));

        // The connector reports only the last call in the result: the auto-function filter records the first. Over an
        // uninstrumented IChatClient the result sums the loop (one record); an instrumented one records each call.
        var expectedRecords = backend switch
        {
            Backend.Connector => streaming ? 1 : 2,
            Backend.ChatClient => 1,
            _ => 2,
        };
        Assert.Equal(expectedRecords, records.Count);
        Assert.All(records, r => Assert.Equal(LoopbackModelServer.ServedModel, r.Model));
    }

    [Fact]
    public async Task A_native_function_reports_no_usage_and_is_not_recorded()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var kernel = Build(server, tracking.Tracker, Backend.Connector);
        var add = KernelFunctionFactory.CreateFromMethod((int a, int b) => a + b, "add");

        Assert.Equal("5", (await kernel.InvokeAsync(add, new KernelArguments { ["a"] = 2, ["b"] = 3 })).ToString());

        Assert.Empty(await tracking.RecordsAsync());
    }

    [Fact]
    public async Task UseTokenTrace_on_a_built_kernel_records_as_the_builder_registration_does()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var kernel = Kernel.CreateBuilder()
            .AddOpenAIChatCompletion("gpt-4o-mini", new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.Endpoint }))
            .Build()
            .UseTokenTrace(tracking.Tracker, filter => filter.ProviderName = "azure");

        await kernel.InvokePromptAsync("Hello?");

        var record = await tracking.SingleRecordAsync();
        Assert.Equal("azure", record.Provider);
        Assert.Equal(1200 - 1024, record.Tokens.Input);
    }

    [Fact]
    public async Task AddTokenTrace_without_a_tracker_uses_the_registered_one()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(tracking.Tracker);
        builder.AddOpenAIChatCompletion("gpt-4o-mini", new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.Endpoint }));
        var kernel = builder.AddTokenTrace().Build();

        await kernel.InvokePromptAsync("Hello?");

        Assert.Equal(1200 - 1024, (await tracking.SingleRecordAsync()).Tokens.Input);
    }

    [Fact]
    public void AddTokenTrace_with_no_tracker_anywhere_says_so_when_the_kernel_is_built()
    {
        var builder = Kernel.CreateBuilder();
        builder.AddTokenTrace();

        var error = Assert.Throws<InvalidOperationException>(() => builder.Build());

        Assert.Contains("no TokenTracker", error.Message, StringComparison.Ordinal);
    }
}
