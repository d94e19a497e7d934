using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// What Claude Code writes to a hook command's standard input: one JSON object with <c>session_id</c>,
/// <c>transcript_path</c>, <c>cwd</c> and <c>hook_event_name</c> on every event, and a field or two per event
/// (<c>source</c> on SessionStart, <c>reason</c> on SessionEnd…). The prompt of UserPromptSubmit is not kept: only counts
/// and attribution are ever stored.
/// </summary>
public sealed class ClaudeCodeHookInput
{
    /// <summary>The largest input read (a prompt can be long; anything beyond this is not a hook's input).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    private ClaudeCodeHookInput(string eventName, string sessionId)
    {
        EventName = eventName;
        SessionId = sessionId;
    }

    /// <summary>The event (<c>SessionStart</c>, <c>UserPromptSubmit</c>, <c>Stop</c>, <c>SubagentStop</c>, <c>SessionEnd</c>…).</summary>
    public string EventName { get; }

    /// <summary>The session, as Claude Code names it in its transcript lines (<c>sessionId</c>).</summary>
    public string SessionId { get; }

    /// <summary>The session's transcript (JSONL), or null when the input did not name one.</summary>
    public string? TranscriptPath { get; private init; }

    /// <summary>The session's working folder: the project its records are attributed to. Null when not given.</summary>
    public string? Cwd { get; private init; }

    /// <summary>SessionStart's <c>source</c> (startup, resume, clear, compact), or SessionEnd's <c>reason</c>; else null.</summary>
    public string? Detail { get; private init; }

    /// <summary>Reads one hook input.</summary>
    /// <exception cref="FormatException">The input is not a JSON object, or a required field is missing; the message names it.</exception>
    public static ClaudeCodeHookInput Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new FormatException($"more than {MaxBytes} bytes: not a hook input");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new FormatException("not valid JSON: " + ex.Message, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"expected a JSON object, found {root.ValueKind.ToString().ToLowerInvariant()}");
            }

            return new ClaudeCodeHookInput(Required(root, "hook_event_name"), Required(root, "session_id"))
            {
                TranscriptPath = Optional(root, "transcript_path"),
                Cwd = Optional(root, "cwd"),
                Detail = Optional(root, "source") ?? Optional(root, "reason"),
            };
        }
    }

    private static string Required(JsonElement root, string name) =>
        Optional(root, name) ?? throw new FormatException($"field '{name}' is missing or not a non-empty string");

    private static string? Optional(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"field '{name}' is {value.ValueKind.ToString().ToLowerInvariant()}, expected a string");
        }

        var text = value.GetString();
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }
}
