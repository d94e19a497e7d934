using System.Globalization;
using System.Text;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary>
/// Writes rows as a table, CSV or Markdown: one place for the non-JSON formats. CSV carries raw values (invariant
/// numbers at full precision, ISO 8601 dates, empty for unknown) under stable column names; tables fit the terminal.
/// </summary>
internal static class TabularOutput
{
    /// <summary>Below this many columns tables switch to their compact layout (unless --wide).</summary>
    public const int CompactBelow = 120;

    public static void Write<T>(CliContext context, IReadOnlyList<OutputColumn<T>> columns, IEnumerable<T> rows, T? footer = null, string? title = null)
        where T : class
    {
        switch (context.Format)
        {
            case "csv":
                WriteCsv([.. columns.Where(c => c.InCsv)], rows);
                break;
            case "markdown":
                var all = columns.Where(c => c.InTable).ToList();
                WriteMarkdown([.. all.Select(c => c.Header)], rows.Select(r => Texts(all, r, compact: false)), footer is null ? null : Texts(all, footer, compact: false), title);
                break;
            default:
                var list = rows as IReadOnlyList<T> ?? [.. rows];
                if (list.Count >= LargeTable.MinRows && CliContext.Out.Profile.Capabilities.Unicode)
                {
                    WriteLarge(context, columns, list, footer, title);
                    break;
                }

                var compact = IsCompact(context);
                var table = BuildTable(columns, list, footer, title, compact);
                if (!compact && !context.Wide && NaturalWidth(table) > CliContext.Out.Profile.Width)
                {
                    // Every column does not fit even at 120+ (long names, several --by): the compact layout, not split numbers.
                    compact = true;
                    table = BuildTable(columns, list, footer, title, compact);
                }

                if (compact && !context.Wide && NaturalWidth(table) > CliContext.Out.Profile.Width)
                {
                    // Several --by at 80 columns: names, tokens and cost only, so the names need not wrap either.
                    table = BuildTable([.. columns.Where(c => c.Essential)], list, footer, title, compact);
                }

                Render(table, unbounded: context.Wide);
                break;
        }
    }

    private static Table BuildTable<T>(IReadOnlyList<OutputColumn<T>> columns, IReadOnlyList<T> rows, T? footer, string? title, bool compact)
        where T : class
    {
        var shown = columns.Where(c => c.InTable && (c.Compact || !compact)).ToList();
        return BuildTable(
            [.. shown.Select(c => (c.Header, c.IsNumeric, c.Wrap))],
            rows.Select(r => Texts(shown, r, compact)),
            footer is null ? null : Texts(shown, footer, compact),
            title);
    }

    /// <summary>
    /// A table of many rows (a summary by session): the same choice of layout as Spectre's path (every column, then the
    /// compact layout, then the essential columns), drawn by <see cref="LargeTable"/>.
    /// </summary>
    private static void WriteLarge<T>(CliContext context, IReadOnlyList<OutputColumn<T>> columns, IReadOnlyList<T> rows, T? footer, string? title)
        where T : class
    {
        var maxWidth = context.Wide ? int.MaxValue : CliContext.Out.Profile.Width;
        var compact = IsCompact(context);
        var shown = Shown(columns, compact);
        if (!compact && !context.Wide && NaturalWidth(shown, rows, footer, compact) > maxWidth)
        {
            compact = true;
            shown = Shown(columns, compact);
        }

        if (compact && !context.Wide && NaturalWidth(shown, rows, footer, compact) > maxWidth)
        {
            shown = [.. shown.Where(c => c.Essential)];
        }

        LargeTable.Write(
            CliContext.Out.Profile.Out.Writer,
            [.. shown.Select(c => c.Header)],
            [.. shown.Select(c => c.IsNumeric)],
            [.. shown.Select(c => c.Wrap)],
            rows.Count,
            i => Texts(shown, rows[i], compact),
            footer is null ? null : Texts(shown, footer, compact),
            title,
            maxWidth,
            bold: CliContext.Out.Profile.Capabilities.Ansi);

        static List<OutputColumn<T>> Shown(IReadOnlyList<OutputColumn<T>> columns, bool compact) =>
            [.. columns.Where(c => c.InTable && (c.Compact || !compact))];

        static int NaturalWidth(List<OutputColumn<T>> shown, IReadOnlyList<T> rows, T? footer, bool compact) =>
            LargeTable.NaturalWidth([.. shown.Select(c => c.Header)], rows.Count, i => Texts(shown, rows[i], compact), footer is null ? null : Texts(shown, footer, compact));
    }

    private static int NaturalWidth(Table table) =>
        ((Spectre.Console.Rendering.IRenderable)table).Measure(Spectre.Console.Rendering.RenderOptions.Create(CliContext.Out), 100_000).Max;

    /// <summary>Rows of display text, for outputs that are for people only (price tables, forecasts).</summary>
    public static void Write(string format, IReadOnlyList<string> header, IReadOnlyList<string?[]> rows, string?[]? footer = null, string? title = null)
    {
        switch (format)
        {
            case "csv":
                var csv = new StringBuilder();
                AppendCsv(csv, header);
                foreach (var row in rows)
                {
                    AppendCsv(csv, row.Select(c => c == Money.Unknown ? null : c));
                }

                if (footer is not null)
                {
                    AppendCsv(csv, footer);
                }

                Console.Out.Write(csv.ToString());
                break;
            case "markdown":
                WriteMarkdown(header, rows, footer, title);
                break;
            case "table" when rows.Count >= LargeTable.MinRows && CliContext.Out.Profile.Capabilities.Unicode:
                LargeTable.Write(
                    CliContext.Out.Profile.Out.Writer,
                    header,
                    [.. header.Select((_, i) => i > 0)],
                    [.. header.Select((_, i) => i == 0)],
                    rows.Count,
                    i => rows[i],
                    footer,
                    title,
                    CliContext.Out.Profile.Width,
                    bold: CliContext.Out.Profile.Capabilities.Ansi);
                break;
            default:
                Render(BuildTable([.. header.Select((h, i) => (h, i > 0, i == 0))], rows, footer, title), unbounded: false);
                break;
        }
    }

    /// <summary>Whether tables take their compact layout: a terminal narrower than <see cref="CompactBelow"/> and no --wide.</summary>
    public static bool IsCompact(CliContext context) => !context.Wide && CliContext.Out.Profile.Width < CompactBelow;

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A count in at most five characters for narrow tables: 9,999 · 12.3k · 1.2M · 123M · 4.6B.</summary>
    public static string CompactCount(long value)
    {
        var magnitude = Math.Abs((double)value);
        if (magnitude < 10_000)
        {
            return Count(value);
        }

        var (scaled, suffix) = magnitude switch
        {
            < 999_500 => (value / 1e3, "k"),
            < 999_500_000 => (value / 1e6, "M"),
            < 999_500_000_000 => (value / 1e9, "B"),
            _ => (value / 1e12, "T"),
        };
        return scaled.ToString(Math.Abs(scaled) < 99.95 ? "0.#" : "0", CultureInfo.InvariantCulture) + suffix;
    }

    /// <summary>The raw text CSV carries for a value: invariant, full precision, ISO 8601, empty for unknown.</summary>
    public static string? Raw(object? value) => value switch
    {
        null => null,
        decimal d => Money.Canonical(d).ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset instant => instant.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>
    /// A name cut to <paramref name="width"/> characters with an ellipsis in the middle, so both the family
    /// (<c>claude-sonnet</c>) and the version or date at the end stay readable: <c>claude-son…-5-20250929</c>.
    /// </summary>
    public static string Shorten(string text, int width = ShortNameWidth)
    {
        if (text.Length <= width)
        {
            return text;
        }

        var tail = (width - 1) / 2;
        return string.Concat(text.AsSpan(0, width - 1 - tail), "…", text.AsSpan(text.Length - tail));
    }

    private const int ShortNameWidth = 22;

    private static string?[] Texts<T>(IReadOnlyList<OutputColumn<T>> columns, T row, bool compact) =>
        [.. columns.Select(c =>
        {
            var text = c.Text is { } format ? format(row) : Display(c.Value(row), compact);
            return compact && !c.IsNumeric && text is not null ? Shorten(text) : text;
        })];

    private static string? Display(object? value, bool compact) => value switch
    {
        null => Money.Unknown,
        long n => compact ? CompactCount(n) : Count(n),
        int n => compact ? CompactCount(n) : Count(n),
        decimal d => Money.Format(d),
        _ => Raw(value),
    };

    /// <summary>The Spectre.Console table for rows of display text (internal: <see cref="LargeTable"/>'s tests compare with it).</summary>
    internal static Table BuildTable(IReadOnlyList<(string Header, bool Numeric, bool Wrap)> columns, IEnumerable<string?[]> rows, string?[]? footer, string? title)
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (title is not null)
        {
            table.Title(Markup.Escape(TerminalText.Visible(title)));
        }

        foreach (var (header, numeric, wrap) in columns)
        {
            // Numbers never wrap: a cell split over two lines ("1,18" / "4,58") reads as two wrong numbers. Text columns
            // (names) take the wrapping when the terminal is narrow.
            var column = new TableColumn(Markup.Escape(header));
            if (numeric)
            {
                column.RightAligned();
            }

            table.AddColumn(wrap ? column : column.NoWrap());
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(c => Markup.Escape(TerminalText.Visible(c ?? Money.Unknown))).ToArray());
        }

        if (footer is not null)
        {
            table.ShowFooters = true;
            for (var i = 0; i < footer.Length; i++)
            {
                table.Columns[i].Footer(new Markup("[bold]" + Markup.Escape(TerminalText.Visible(footer[i] ?? "")) + "[/]"));
            }
        }

        return table;
    }

    private static void Render(Table table, bool unbounded)
    {
        if (!unbounded)
        {
            CliContext.Out.Write(table);
            return;
        }

        // --wide: every column at its natural width even past the terminal's edge (for `less -S` or a wider window);
        // squeezing them into the terminal is what splits numbers across lines.
        var width = CliContext.Out.Profile.Width;
        CliContext.Out.Profile.Width = 4096;
        try
        {
            CliContext.Out.Write(table);
        }
        finally
        {
            CliContext.Out.Profile.Width = width;
        }
    }

    /// <summary>Writes rows as a Markdown table, streamed in blocks: a summary by session can be 250,000 rows.</summary>
    private static void WriteMarkdown(IReadOnlyList<string> header, IEnumerable<string?[]> rows, string?[]? footer, string? title)
    {
        var md = new StringBuilder();
        if (title is not null)
        {
            md.Append("**").Append(Escape(title)).Append("**\n\n");
        }

        md.Append("| ").AppendJoin(" | ", header.Select(Escape)).Append(" |\n");
        md.Append('|').AppendJoin("|", header.Select((_, i) => i == 0 ? "---" : "---:")).Append("|\n");
        foreach (var row in footer is null ? rows : rows.Append(footer.Select((c, i) => i == 0 ? $"**{c}**" : c).ToArray()))
        {
            md.Append("| ").AppendJoin(" | ", row.Select(c => Escape(c ?? Money.Unknown))).Append(" |\n");
            FlushWhenFull(md);
        }

        Console.Out.Write(md);
        Console.Out.Flush();
    }

    /// <summary>
    /// Writes and empties <paramref name="text"/> once it holds a block's worth: standard output flushes at every write,
    /// so writing each line on its own was a system call per row.
    /// </summary>
    private static void FlushWhenFull(StringBuilder text)
    {
        if (text.Length >= 64 * 1024)
        {
            Console.Out.Write(text);
            text.Clear();
        }
    }

    private static void WriteCsv<T>(IReadOnlyList<OutputColumn<T>> columns, IEnumerable<T> rows)
    {
        // Streamed: a summary by session can be 250,000 rows.
        var line = new StringBuilder();
        AppendCsv(line, columns.Select(c => c.Name));
        foreach (var row in rows)
        {
            FlushWhenFull(line);
            var first = true;
            foreach (var column in columns)
            {
                if (!first)
                {
                    line.Append(',');
                }

                first = false;
                var value = column.Value(row);
                if (value is string text)
                {
                    AppendCsvCell(line, text);
                }
                else
                {
                    line.Append(Raw(value));
                }
            }

            line.Append('\n');
        }

        Console.Out.Write(line);
        Console.Out.Flush();
    }

    private static string Escape(string text) => TerminalText.Visible(text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal));

    private static void AppendCsv(StringBuilder output, IEnumerable<string?> cells)
    {
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                output.Append(',');
            }

            first = false;
            AppendCsvCell(output, cell ?? "");
        }

        output.Append('\n');
    }

    private static void AppendCsvCell(StringBuilder output, string text)
    {
        // Text that a spreadsheet would run as a formula is neutralised (numbers are written raw, never through here).
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@')
        {
            text = "'" + text;
        }

        output.Append(text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text);
    }
}
