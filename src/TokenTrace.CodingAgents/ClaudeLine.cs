using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>The fields of one Claude Code transcript line that make a record, read in one pass over its bytes.</summary>
internal sealed class ClaudeLine
{
    public DateTimeOffset? Timestamp { get; private set; }

    public string? SessionId { get; private set; }

    public string? Cwd { get; private set; }

    public bool Sidechain { get; private set; }

    public string? RequestId { get; private set; }

    public string? MessageId { get; private set; }

    public string? Model { get; private set; }

    public TokenCounts? Usage { get; private set; }

    /// <summary>Whether the message has its <c>stop_reason</c>: the line that ends a response (earlier ones have <c>null</c>).</summary>
    public bool Stopped { get; private set; }

    /// <exception cref="JsonException">The line is not a JSON object.</exception>
    /// <exception cref="UsageFormatException">The usage has a bad count.</exception>
    public static ClaudeLine Parse(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        Expect(ref reader, JsonTokenType.StartObject);
        var parsed = new ClaudeLine();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("timestamp"u8))
            {
                reader.Read();
                parsed.Timestamp = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at) ? at.ToUniversalTime() : null;
            }
            else if (reader.ValueTextEquals("sessionId"u8))
            {
                parsed.SessionId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("cwd"u8))
            {
                parsed.Cwd = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("isSidechain"u8))
            {
                reader.Read();
                parsed.Sidechain = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("requestId"u8))
            {
                parsed.RequestId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    parsed.ReadMessage(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new JsonException("unexpected content after the object");
        }

        return parsed;
    }

    private void ReadMessage(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                MessageId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                Model = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                Stopped = ReadString(ref reader) is not null;
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    // The usage object is small: parse it as an element and let the shared normalizer map it.
                    Usage = AnthropicUsageNormalizer.Normalize(JsonElement.ParseValue(ref reader));
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            var value = reader.GetString();
            return string.IsNullOrEmpty(value) ? null : value;
        }

        reader.Skip();
        return null;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new JsonException($"expected {type}");
        }
    }
}
