namespace TokenTrace.Cli;

/// <summary>
/// One column of a command's output, declared once for every format: <paramref name="Header"/> in tables and Markdown,
/// <paramref name="Name"/> (the JSON field's name) in CSV, <paramref name="Value"/> the raw value programs get (a
/// <see cref="long"/>, <see cref="decimal"/>, <see cref="double"/>, string, date or null for unknown), and
/// <paramref name="Text"/> what a person reads when the raw value is not already that (counts and money are formatted
/// from the value). <paramref name="Compact"/> columns stay in the narrow-terminal layout.
/// </summary>
internal sealed record OutputColumn<T>(string Header, string Name, Func<T, object?> Value, Func<T, string?>? Text = null, bool Compact = true)
{
    /// <summary>Whether the column holds numbers: right-aligned, and never wrapped inside a cell.</summary>
    public bool IsNumeric { get; init; } = true;

    /// <summary>Whether the column stays when even the compact layout does not fit (names, tokens, cost).</summary>
    public bool Essential { get; init; }

    /// <summary>Whether a table may wrap the cell's text over lines; never for numbers, dates and time buckets.</summary>
    public bool Wrap { get; init; }

    /// <summary>Whether tables and Markdown show the column; false for detail only programs want (ranges, 1-hour writes).</summary>
    public bool InTable { get; init; } = true;

    /// <summary>Whether CSV carries the column; false for what only people read (a range as one text, a bar).</summary>
    public bool InCsv { get; init; } = true;

    /// <summary>A column of text (names, keys): left-aligned, may wrap in a table, neutralised in CSV.</summary>
    public static OutputColumn<T> Label(string header, string name, Func<T, string?> value, bool compact = true) =>
        new(header, name, value, null, compact) { IsNumeric = false, Wrap = true, Essential = true };
}
