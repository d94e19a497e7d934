using System.Text;

namespace TokenTrace;

/// <summary>
/// One record as one CSV row (RFC 4180, UTF-8, a header row): the CSV ledger's format and <c>export --to csv</c>'s.
/// Text cells that a spreadsheet would run as a formula (starting with <c>= + - @</c>, a tab or a carriage return)
/// are written with a leading apostrophe, as are cells that already start with one; reading strips exactly one, so
/// every value reads back as it was written.
/// </summary>
public static class UsageRecordCsv
{
    /// <summary>The header row, without the newline.</summary>
    public static string Header { get; } = string.Join(',', UsageRecordFields.Names);

    /// <summary>Appends <paramref name="record"/> as one row followed by a newline.</summary>
    public static void AppendRow(StringBuilder output, UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(record);
        var values = UsageRecordFields.ToText(record);
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                output.Append(',');
            }

            if (values[i] is { } value)
            {
                AppendCell(output, UsageRecordFields.KindOf(i) == UsageRecordFieldKind.String ? Neutralize(value) : value);
            }
        }

        output.Append('\n');
    }

    /// <summary>Maps a header row to field positions.</summary>
    /// <exception cref="FormatException">The header lacks the required <c>id</c>, <c>timestamp</c> or <c>model</c> column.</exception>
    internal static int[] MapHeader(string?[] header)
    {
        var map = new int[header.Length];
        for (var i = 0; i < header.Length; i++)
        {
            map[i] = header[i] is { } name && UsageRecordFields.IndexOf.TryGetValue(name.Trim(), out var index) ? index : -1;
            if (map[i] >= 0 && Array.IndexOf(map, map[i], 0, i) >= 0)
            {
                throw new RecordFieldException(UsageRecordFields.Names[map[i]], "the header row names this column twice");
            }
        }

        foreach (var required in new[] { "id", "timestamp", "model" })
        {
            if (Array.IndexOf(map, UsageRecordFields.IndexOf[required]) < 0)
            {
                throw new RecordFieldException(required, "the header row has no such column");
            }
        }

        return map;
    }

    /// <summary>Reads a record from a row's cells using a header map from <see cref="MapHeader"/>.</summary>
    internal static UsageRecord FromCells(string?[] cells, int[] map)
    {
        var values = new string?[UsageRecordFields.Names.Count];
        for (var i = 0; i < cells.Length && i < map.Length; i++)
        {
            if (map[i] >= 0)
            {
                var cell = cells[i];
                values[map[i]] = UsageRecordFields.KindOf(map[i]) == UsageRecordFieldKind.String && cell is ['\'', ..] ? cell[1..] : cell;
            }
        }

        return UsageRecordFields.FromText(values);
    }

    private static string Neutralize(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'' ? "'" + value : value;

    private static void AppendCell(StringBuilder output, string value)
    {
        // Quote empty strings too: an empty unquoted cell means "no value".
        if (value.Length == 0 || value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value[0] == ' ' || value[^1] == ' ')
        {
            output.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        else
        {
            output.Append(value);
        }
    }
}
