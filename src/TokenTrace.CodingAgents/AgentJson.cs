using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>Reading the few fields a history's JSON documents carry, the same way for every reader.</summary>
internal static class AgentJson
{
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
