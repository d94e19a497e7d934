using System.Buffers;
using System.Text.Json;

namespace TokenTrace;

/// <summary>One record as one line of JSON: the JSONL ledger's format and <c>export --to jsonl</c>'s.</summary>
public static class UsageRecordJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Keep non-ASCII text readable in the files; JSON escaping still covers quotes and control characters.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="record"/> as one JSON object followed by a newline.</summary>
    public static void WriteLine(IBufferWriter<byte> output, UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(record);
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            Write(writer, record);
        }

        output.Write("\n"u8);
    }

    /// <summary>Writes <paramref name="record"/> as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);
        var values = UsageRecordFields.ToText(record);
        writer.WriteStartObject();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is not { } value)
            {
                continue;
            }

            writer.WritePropertyName(UsageRecordFields.Names[i]);
            switch (UsageRecordFields.KindOf(i))
            {
                case UsageRecordFieldKind.Number:
                case UsageRecordFieldKind.Object:
                    writer.WriteRawValue(value, skipInputValidation: true);
                    break;
                default:
                    writer.WriteStringValue(value);
                    break;
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads one record from one line of JSON.</summary>
    /// <exception cref="FormatException">The line is not a record; the message names the field.</exception>
    public static UsageRecord Parse(ReadOnlySpan<byte> line)
    {
        var values = new string?[UsageRecordFields.Names.Count];
        var seen = new bool[values.Length];
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new RecordFieldException("(line)", "expected a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (!UsageRecordFields.IndexOf.TryGetValue(name, out var index))
                {
                    reader.Skip(); // unknown fields from newer versions are ignored
                    continue;
                }

                if (seen[index])
                {
                    // Last-wins (or first-wins) would be a silent choice between two values: refuse the line instead.
                    throw new RecordFieldException(name, "given twice in one record");
                }

                seen[index] = true;
                values[index] = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
                    JsonTokenType.StartObject => RawObject(ref reader, line),
                    _ => throw new RecordFieldException(name, $"unexpected {reader.TokenType}"),
                };
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new RecordFieldException("(line)", "the JSON object is incomplete or followed by more text");
            }
        }
        catch (JsonException ex)
        {
            throw new RecordFieldException("(line)", $"not valid JSON ({ex.Message})");
        }
        catch (InvalidOperationException ex)
        {
            // A string that cannot be decoded (invalid UTF-8, an escaped lone surrogate).
            throw new RecordFieldException("(line)", $"not valid JSON text ({ex.Message})");
        }

        return UsageRecordFields.FromText(values);
    }

    private static string RawObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var end = (int)reader.BytesConsumed;
        return System.Text.Encoding.UTF8.GetString(line[start..end]);
    }
}
