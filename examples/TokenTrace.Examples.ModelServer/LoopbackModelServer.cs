using System.ClientModel;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace TokenTrace.Examples.ModelServer;

/// <summary>
/// A loopback HTTP server for the examples and the tests (Kestrel, 127.0.0.1, a free port) that answers the real OpenAI .NET SDK as the Chat Completions
/// and Embeddings APIs do, JSON and SSE (<c>stream_options.include_usage</c>: a last chunk with no choices and the usage),
/// and the real Anthropic SDK as the Messages API does (JSON).
/// </summary>
/// <remarks>
/// Canned usage (the numbers the tests work out by hand):
/// <list type="bullet">
/// <item>plain chat, JSON: prompt 1200 (1024 cached), completion 300 (128 reasoning), total 1500;</item>
/// <item>plain chat, SSE: prompt 800 (512 cached), completion 120, total 920;</item>
/// <item>with tools, first turn (a call of <c>get_weather</c>, or of the advertised tool whose name ends in it): prompt 100, completion 20; after the tool result: prompt 150, completion 30;</item>
/// <item>embeddings: 5 prompt tokens per input;</item>
/// <item>Responses API (<c>/v1/responses</c>, <c>gpt-5-mini</c> served as <see cref="ServedResponsesModel"/>): JSON input 2000 (1536 cached), output 900 (640 reasoning); SSE input 1500 (1024 cached), output 400 (256 reasoning);</item>
/// <item>a model ending in <c>-nousage</c>: no usage at all; the model <c>broken</c>: HTTP 400.</item>
/// </list>
/// </remarks>
public sealed class LoopbackModelServer : IAsyncDisposable
{
    public const string ServedModel = "gpt-4o-mini-2024-07-18";

    /// <summary>The model the Responses API answers <c>gpt-5-mini</c> with.</summary>
    public const string ServedResponsesModel = ResponsesApiEndpoint.ServedModel;

    private readonly WebApplication _app;
    private int _chatRequests;

    private LoopbackModelServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The server's root, for SDKs that add <c>/v1</c> themselves (Anthropic's).</summary>
    public Uri Root { get; private set; } = null!;

    /// <summary>Chat requests that reached the server.</summary>
    public int ChatRequests => Volatile.Read(ref _chatRequests);

    /// <summary>Called as each chat request arrives, before it is answered.</summary>
    public Action? OnChatRequest { get; set; }

    /// <summary>Chat answers wait for this.</summary>
    public Task AnswerGate { get; set; } = Task.CompletedTask;

    /// <summary>Starts the server on 127.0.0.1 and a free port.</summary>
    public static async Task<LoopbackModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackModelServer(app);
        app.MapPost("/v1/chat/completions", server.ChatAsync);
        app.MapPost("/v1/embeddings", EmbeddingsAsync);
        app.MapPost("/v1/messages", AnthropicMessagesAsync);
        app.MapPost("/v1/responses", ResponsesApiEndpoint.AnswerAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Root = new Uri(address.TrimEnd('/'));
        server.Endpoint = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    private OpenAIClient Client() =>
        new(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = Endpoint, NetworkTimeout = TimeSpan.FromSeconds(60) });

    public IChatClient ChatClient(string model = "gpt-4o-mini") => Client().GetChatClient(model).AsIChatClient();

    public IEmbeddingGenerator<string, Embedding<float>> EmbeddingGenerator(string model = "text-embedding-3-small") =>
        Client().GetEmbeddingClient(model).AsIEmbeddingGenerator();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ChatAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body);
        var root = request.RootElement;
        var model = root.GetProperty("model").GetString()!;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (model == "broken")
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = "bad request", ["type"] = "invalid_request_error" } });
            return;
        }

        Interlocked.Increment(ref _chatRequests);
        OnChatRequest?.Invoke();
        await AnswerGate;

        var hasTools = root.TryGetProperty("tools", out var tools);
        var toolName = WeatherToolName(tools);
        var afterTool = root.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool");
        var servedModel = model == "gpt-4o-mini" ? ServedModel : model;
        JsonObject? usage = model.EndsWith("-nousage", StringComparison.Ordinal) ? null
            : hasTools && !afterTool ? Usage(100, 0, 20, 0)
            : afterTool ? Usage(150, 0, 30, 0)
            : stream ? Usage(800, 512, 120, 0)
            : Usage(1200, 1024, 300, 128);
        var toolCall = hasTools && !afterTool;
        var text = afterTool ? "It is sunny." : "Hello there.";

        if (!stream)
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = toolCall ? null : text };
            if (toolCall)
            {
                message["tool_calls"] = new JsonArray(ToolCall(toolName, withIndex: false));
            }

            var body = Chunk("chat.completion", servedModel, new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = toolCall ? "tool_calls" : "stop" }));
            if (usage is not null)
            {
                body["usage"] = usage;
            }

            await context.Response.WriteAsJsonAsync(body);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var chunks = new List<JsonObject>();
        if (toolCall)
        {
            chunks.Add(Delta(servedModel, new JsonObject { ["role"] = "assistant", ["tool_calls"] = new JsonArray(ToolCall(toolName, withIndex: true)) }, null));
            chunks.Add(Delta(servedModel, new JsonObject(), "tool_calls"));
        }
        else
        {
            chunks.Add(Delta(servedModel, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
            foreach (var piece in text.Split(' '))
            {
                chunks.Add(Delta(servedModel, new JsonObject { ["content"] = piece + " " }, null));
            }

            chunks.Add(Delta(servedModel, new JsonObject(), "stop"));
        }

        if (usage is not null)
        {
            var last = Chunk("chat.completion.chunk", servedModel, []);
            last["usage"] = usage;
            chunks.Add(last);
        }

        foreach (var chunk in chunks)
        {
            await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n");
            await context.Response.Body.FlushAsync();
        }

        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static async Task EmbeddingsAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body);
        var root = request.RootElement;
        var input = root.GetProperty("input");
        var count = input.ValueKind == JsonValueKind.Array ? input.GetArrayLength() : 1;
        var base64 = root.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            float[] vector = [0.25f, -0.5f, 1f];
            JsonNode embedding = base64
                ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
                : new JsonArray(vector.Select(v => (JsonNode)v).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = root.GetProperty("model").GetString(),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 5 * count, ["total_tokens"] = 5 * count },
        });
    }

    /// <summary>
    /// Anthropic's Messages API: uncached input 100, cache reads 2000, cache writes 300 (all 5-minute), output 80. Its
    /// <c>input_tokens</c> excludes cache reads and writes. A requested model ending in <c>-cache-1h</c> gets the same
    /// counts with the 300 writes split 100 5-minute and 200 1-hour.
    /// </summary>
    private static async Task AnthropicMessagesAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body);
        var oneHour = request.RootElement.GetProperty("model").GetString()!.EndsWith("-cache-1h", StringComparison.Ordinal) ? 200 : 0;
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = "msg_01",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = "claude-sonnet-4-5-20250929",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Hello there." }),
            ["stop_reason"] = "end_turn",
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject
            {
                ["input_tokens"] = 100,
                ["cache_read_input_tokens"] = 2000,
                ["cache_creation_input_tokens"] = 300,
                ["cache_creation"] = new JsonObject { ["ephemeral_5m_input_tokens"] = 300 - oneHour, ["ephemeral_1h_input_tokens"] = oneHour },
                ["output_tokens"] = 80,
                ["service_tier"] = "standard",
            },
        });
    }

    private static JsonObject Usage(int prompt, int cached, int completion, int reasoning) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cached, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject
        {
            ["reasoning_tokens"] = reasoning, ["audio_tokens"] = 0, ["accepted_prediction_tokens"] = 0, ["rejected_prediction_tokens"] = 0,
        },
    };

    /// <summary>
    /// The name the request gives the weather tool: <c>get_weather</c>, or a name ending in it, as Semantic Kernel
    /// advertises a plugin's function (<c>Weather-get_weather</c>).
    /// </summary>
    private static string WeatherToolName(JsonElement tools)
    {
        if (tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var name)
                    && name.GetString() is { } text && text.EndsWith("get_weather", StringComparison.Ordinal))
                {
                    return text;
                }
            }
        }

        return "get_weather";
    }

    private static JsonObject ToolCall(string name, bool withIndex)
    {
        var call = new JsonObject { ["id"] = "call_1", ["type"] = "function", ["function"] = new JsonObject { ["name"] = name, ["arguments"] = "{}" } };
        if (withIndex)
        {
            call["index"] = 0;
        }

        return call;
    }

    private static JsonObject Delta(string model, JsonObject delta, string? finishReason) =>
        Chunk("chat.completion.chunk", model, new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }));

    private static JsonObject Chunk(string kind, string model, JsonArray choices) => new()
    {
        ["id"] = "chatcmpl-1",
        ["object"] = kind,
        ["created"] = 1764000000,
        ["model"] = model,
        ["choices"] = choices,
    };
}
