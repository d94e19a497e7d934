using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>Reading the few fields a history's JSON documents carry, the same way for every reader.</summary>
internal static class AgentJson
{
    /// <summary>One JSONL line as a document, or null after a counted skip that names the line and where its JSON breaks.</summary>
    public static JsonDocument? ParseLine(AgentFileRead read, ReadOnlySpan<byte> line, long number)
    {
        try
        {
            return JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException ex)
        {
            read.Skip(number, null, NotJson(ex));
            return null;
        }
    }

    /// <summary>
    /// "not valid JSON at byte N: reason" — System.Text.Json's message without its own "LineNumber: 0 |
    /// BytePositionInLine: N" tail, whose line number counts within the text parsed (one line), not the file's lines.
    /// </summary>
    public static string NotJson(JsonException ex)
    {
        var reason = ex.Message;
        var tail = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        reason = (tail >= 0 ? reason[..tail] : reason).Trim();
        var sentence = reason.IndexOf(". ", StringComparison.Ordinal);
        reason = sentence >= 0 ? reason[..(sentence + 1)] : reason;
        return ex.BytePositionInLine is { } at
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"not valid JSON at byte {at + 1}: {reason}")
            : "not valid JSON: " + reason;
    }

    /// <summary>A token count: 0 when absent or null; a <see cref="UsageFormatException"/> naming <c>path.name</c> when not a whole number of at least 0.</summary>
    public static long Count(JsonElement parent, string path, string name)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var count) || count < 0)
        {
            throw new UsageFormatException($"{path}.{name}", "not a whole number of at least 0");
        }

        return count;
    }

    /// <summary>A non-empty string property, or null.</summary>
    public static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    /// <summary>An ISO 8601 <c>timestamp</c> property in UTC, or null when it is missing or not a date.</summary>
    public static DateTimeOffset? Timestamp(JsonElement element) =>
        element.TryGetProperty("timestamp", out var at) && at.ValueKind == JsonValueKind.String && at.TryGetDateTimeOffset(out var timestamp)
            ? timestamp.ToUniversalTime()
            : null;
}
