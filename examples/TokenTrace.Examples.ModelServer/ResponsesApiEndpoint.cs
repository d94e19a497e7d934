using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TokenTrace.Examples.ModelServer;

/// <summary>
/// OpenAI's Responses API (<c>POST /v1/responses</c>) as the real OpenAI SDK's <c>ResponsesClient</c> reads it, JSON and
/// SSE (<c>response.created</c> … <c>response.completed</c>, the usage on the completed response only).
/// </summary>
/// <remarks>
/// Canned usage, a reasoning model with a cached prefix: JSON input 2000 (1536 cached), output 900 (640 reasoning), total
/// 2900; SSE input 1500 (1024 cached), output 400 (256 reasoning), total 1900. <c>gpt-5-mini</c> is served as
/// <see cref="ServedModel"/>.
/// </remarks>
internal static class ResponsesApiEndpoint
{
    public const string ServedModel = "gpt-5-mini-2025-08-07";

    private const string Text = "Hello there.";

    public static async Task AnswerAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body);
        var root = request.RootElement;
        var model = root.GetProperty("model").GetString()!;
        var servedModel = model == "gpt-5-mini" ? ServedModel : model;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (!stream)
        {
            await context.Response.WriteAsJsonAsync(Response(servedModel, "completed", Message(Text), Usage(2000, 1536, 900, 640)));
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var sequence = 0;
        async Task Send(string type, JsonObject body)
        {
            body["type"] = type;
            body["sequence_number"] = sequence++;
            await context.Response.WriteAsync("event: " + type + "\ndata: " + body.ToJsonString() + "\n\n");
            await context.Response.Body.FlushAsync();
        }

        await Send("response.created", new JsonObject { ["response"] = Response(servedModel, "in_progress", null, null) });
        await Send("response.in_progress", new JsonObject { ["response"] = Response(servedModel, "in_progress", null, null) });
        var empty = Message("");
        empty["status"] = "in_progress";
        empty["content"] = new JsonArray();
        await Send("response.output_item.added", new JsonObject { ["output_index"] = 0, ["item"] = empty });
        await Send("response.content_part.added", new JsonObject { ["item_id"] = "msg_01", ["output_index"] = 0, ["content_index"] = 0, ["part"] = Part("") });
        foreach (var piece in Text.Split(' '))
        {
            await Send("response.output_text.delta", new JsonObject { ["item_id"] = "msg_01", ["output_index"] = 0, ["content_index"] = 0, ["delta"] = piece + " ", ["logprobs"] = new JsonArray() });
        }

        await Send("response.output_text.done", new JsonObject { ["item_id"] = "msg_01", ["output_index"] = 0, ["content_index"] = 0, ["text"] = Text, ["logprobs"] = new JsonArray() });
        await Send("response.content_part.done", new JsonObject { ["item_id"] = "msg_01", ["output_index"] = 0, ["content_index"] = 0, ["part"] = Part(Text) });
        await Send("response.output_item.done", new JsonObject { ["output_index"] = 0, ["item"] = Message(Text) });
        await Send("response.completed", new JsonObject { ["response"] = Response(servedModel, "completed", Message(Text), Usage(1500, 1024, 400, 256)) });
    }

    private static JsonObject Response(string model, string status, JsonObject? message, JsonObject? usage) => new()
    {
        ["id"] = "resp_01",
        ["object"] = "response",
        ["created_at"] = 1764000000,
        ["status"] = status,
        ["error"] = null,
        ["incomplete_details"] = null,
        ["instructions"] = null,
        ["max_output_tokens"] = null,
        ["model"] = model,
        ["output"] = message is null ? new JsonArray() : new JsonArray(new JsonObject { ["id"] = "rs_01", ["type"] = "reasoning", ["summary"] = new JsonArray() }, message),
        ["parallel_tool_calls"] = true,
        ["previous_response_id"] = null,
        ["reasoning"] = new JsonObject { ["effort"] = "medium", ["summary"] = null },
        ["store"] = true,
        ["temperature"] = 1.0,
        ["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
        ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(),
        ["top_p"] = 1.0,
        ["truncation"] = "disabled",
        ["usage"] = usage,
        ["user"] = null,
        ["metadata"] = new JsonObject(),
    };

    private static JsonObject Message(string text) => new()
    {
        ["id"] = "msg_01",
        ["type"] = "message",
        ["status"] = "completed",
        ["role"] = "assistant",
        ["content"] = new JsonArray(Part(text)),
    };

    private static JsonObject Part(string text) => new() { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray() };

    private static JsonObject Usage(int input, int cached, int output, int reasoning) => new()
    {
        ["input_tokens"] = input,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = cached },
        ["output_tokens"] = output,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = reasoning },
        ["total_tokens"] = input + output,
    };
}
