using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>What a Codex log has said so far that later lines depend on, kept in the file's cursor between reads.</summary>
internal sealed class CodexState
{
    public string? Session { get; set; }

    public string? Cwd { get; set; }

    public string? Model { get; set; }

    public CodexCounts? Totals { get; set; }

    public static CodexState? Parse(string? state)
    {
        if (string.IsNullOrEmpty(state))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(state);
            var root = document.RootElement;
            return new CodexState
            {
                Session = Get(root, "session"),
                Cwd = Get(root, "cwd"),
                Model = Get(root, "model"),
                Totals = CodexCounts.Parse(Get(root, "totals")),
            };
        }
        catch (JsonException)
        {
            // A cursor from another version: start the file over (records are idempotent by id).
            return null;
        }
    }

    public override string ToString()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("session", Session);
            writer.WriteString("cwd", Cwd);
            writer.WriteString("model", Model);
            writer.WriteString("totals", Totals?.ToString());
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string? Get(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
