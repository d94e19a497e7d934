using System.Text.Json;

namespace TokenTrace.Server;

/// <summary>
/// Splits a batch body into records with the core's reader (<see cref="UsageRecordJson.Parse"/>): JSON lines, numbered
/// from 1 with blank lines counted, or a JSON array, its elements numbered from 1. A bad entry is an error naming its
/// number and field; the others are records.
/// </summary>
internal static class RecordBatchParser
{
    public static List<(long Line, UsageRecord? Record, IngestError? Error)> Parse(ReadOnlySpan<byte> body, bool array)
    {
        var entries = new List<(long, UsageRecord?, IngestError?)>();
        if (array)
        {
            ParseArray(body, entries);
        }
        else
        {
            ParseLines(body, entries);
        }

        return entries;
    }

    private static void ParseLines(ReadOnlySpan<byte> body, List<(long, UsageRecord?, IngestError?)> entries)
    {
        long number = 0;
        while (!body.IsEmpty)
        {
            var newline = body.IndexOf((byte)'\n');
            var line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? [] : body[(newline + 1)..];
            number++;
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            entries.Add(Entry(line, number));
        }
    }

    private static void ParseArray(ReadOnlySpan<byte> body, List<(long, UsageRecord?, IngestError?)> entries)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected a JSON array of records");
        }

        long number = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            number++;
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var end = (int)reader.BytesConsumed;
            entries.Add(Entry(body[start..end], number));
        }

        if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
        {
            throw new JsonException("the JSON array is incomplete or followed by more text");
        }
    }

    private static (long, UsageRecord?, IngestError?) Entry(ReadOnlySpan<byte> json, long number)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return (number, null, new IngestError(number, null, "not valid UTF-8"));
        }

        try
        {
            var record = UsageRecordJson.Parse(json);
            var invalid = UsageRecordValidator.Validate(record);
            return invalid.Count == 0 ? (number, record, null) : (number, null, new IngestError(number, null, string.Join("; ", invalid)));
        }
        catch (RecordFieldException ex)
        {
            return (number, null, new IngestError(number, ex.Field == "(line)" ? null : ex.Field, ex.Message));
        }
        catch (FormatException ex)
        {
            return (number, null, new IngestError(number, null, ex.Message));
        }
    }
}
