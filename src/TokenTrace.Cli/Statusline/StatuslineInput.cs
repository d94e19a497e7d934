using System.Globalization;
using System.Text.Json;

namespace TokenTrace.Cli;

/// <summary>
/// What Claude Code writes to a <c>statusLine</c> command's standard input that the status line uses: the session, its
/// transcript and the model's name (the rest — folders, Claude Code's own cost estimate, the context window — is not
/// needed). Every field may be missing or of another type (older or newer Claude Code versions): such a field is taken
/// as absent.
/// </summary>
internal sealed record StatuslineInput(string? SessionId, string? TranscriptPath, string? Model)
{
    /// <summary>The most read from standard input: Claude Code's JSON is about 1 KB.</summary>
    public const int MaxBytes = 1 << 20;

    /// <exception cref="FormatException">The input is empty, too large or not a JSON object; the message says where.</exception>
    public static StatuslineInput Parse(ReadOnlyMemory<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"status line input is larger than {MaxBytes / 1024} KB"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException(json.IsEmpty
                ? "no status line input on stdin (Claude Code's statusLine JSON)"
                : string.Create(CultureInfo.InvariantCulture, $"status line input is not JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"status line input is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }

            var model = Member(root, "model");
            return new StatuslineInput(
                Text(Member(root, "session_id")),
                Text(Member(root, "transcript_path")),
                Text(Member(model, "display_name")) ?? Text(Member(model, "id")) ?? Text(model));
        }
    }

    private static JsonElement? Member(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var value) ? value : null;

    private static string? Text(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.String } e && e.GetString() is { Length: > 0 } text ? text : null;
}
