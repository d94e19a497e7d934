using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// The fields of one Claude Code transcript line that make a record, read in one pass over its bytes. A value, not an
/// object: a history has about 2.5 lines with usage per response, and most of them make no record.
/// </summary>
internal struct ClaudeLine
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

    /// <summary>The fields whose strings repeat from line to line (<see cref="RepeatedStrings"/> slots).</summary>
    public const int RepeatedFields = 5;

    private const int SessionField = 0, CwdField = 1, RequestField = 2, MessageField = 3, ModelField = 4;

    /// <exception cref="JsonException">The line is not a JSON object.</exception>
    /// <exception cref="UsageFormatException">The usage has a bad count.</exception>
    public static ClaudeLine Parse(ReadOnlySpan<byte> line, RepeatedStrings strings)
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
                parsed.SessionId = ReadString(ref reader, strings, SessionField);
            }
            else if (reader.ValueTextEquals("cwd"u8))
            {
                parsed.Cwd = ReadString(ref reader, strings, CwdField);
            }
            else if (reader.ValueTextEquals("isSidechain"u8))
            {
                reader.Read();
                parsed.Sidechain = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("requestId"u8))
            {
                parsed.RequestId = ReadString(ref reader, strings, RequestField);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    parsed.ReadMessage(ref reader, strings);
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

    private void ReadMessage(ref Utf8JsonReader reader, RepeatedStrings strings)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                MessageId = ReadString(ref reader, strings, MessageField);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                Model = ReadString(ref reader, strings, ModelField);
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
                    Usage = ReadUsage(ref reader);
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

    private static string? ReadString(ref Utf8JsonReader reader, RepeatedStrings strings, int field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return strings.Get(ref reader, field);
        }

        reader.Skip();
        return null;
    }

    /// <summary>
    /// Reads the <c>usage</c> object the reader is on. The common shape (counts that are whole numbers, each field once)
    /// is read straight from the reader; anything else is read again as a document by the shared normalizer, whose
    /// rules and error messages are the reference (both end in <see cref="AnthropicUsageNormalizer"/>).
    /// </summary>
    private static TokenCounts ReadUsage(ref Utf8JsonReader reader)
    {
        var start = reader;
        if (TryReadUsage(ref reader) is { } usage)
        {
            return usage;
        }

        reader = start;
        return AnthropicUsageNormalizer.Normalize(JsonElement.ParseValue(ref reader));
    }

    private static TokenCounts? TryReadUsage(ref Utf8JsonReader reader)
    {
        long input = 0, cacheRead = 0, output = 0, webSearch = 0, webFetch = 0;
        long? creation = null;
        (long, long)? split = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int field;
            bool ok;
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                (field, ok) = (1, TryCount(ref reader, out input));
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                (field, ok) = (2, TryCount(ref reader, out cacheRead));
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                (field, ok) = (4, TryCount(ref reader, out var total));
                creation = total;
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                (field, ok) = (8, TryCount(ref reader, out output));
            }
            else if (reader.ValueTextEquals("cache_creation"u8))
            {
                (field, ok) = (16, TryPair(ref reader, "ephemeral_5m_input_tokens"u8, "ephemeral_1h_input_tokens"u8, out var pair));
                split = pair;
            }
            else if (reader.ValueTextEquals("server_tool_use"u8))
            {
                (field, ok) = (32, TryPair(ref reader, "web_search_requests"u8, "web_fetch_requests"u8, out var tools));
                (webSearch, webFetch) = tools ?? (0, 0);
            }
            else
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            if (!ok || (seen & field) != 0)
            {
                return null;
            }

            seen |= field;
        }

        return reader.TokenType == JsonTokenType.EndObject
            ? AnthropicUsageNormalizer.Normalize(input, cacheRead, creation, split, output, webSearch, webFetch)
            : null;
    }

    /// <summary>A count that is null (0) or a whole number of at least 0; false for anything the normalizer must judge.</summary>
    private static bool TryCount(ref Utf8JsonReader reader, out long count)
    {
        reader.Read();
        count = 0;
        return reader.TokenType == JsonTokenType.Null
            || (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out count) && count >= 0);
    }

    /// <summary>
    /// Two counts of a child object (null when the value is not an object, as the normalizer reads it); false for a
    /// bad count or a repeated field.
    /// </summary>
    private static bool TryPair(ref Utf8JsonReader reader, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, out (long, long)? pair)
    {
        pair = null;
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return true;
        }

        long a = 0, b = 0;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals(first) ? 1 : reader.ValueTextEquals(second) ? 2 : 0;
            if (field == 0)
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            var ok = field == 1 ? TryCount(ref reader, out a) : TryCount(ref reader, out b);
            if (!ok || (seen & field) != 0)
            {
                return false;
            }

            seen |= field;
        }

        pair = (a, b);
        return true;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new JsonException($"expected {type}");
        }
    }
}
