using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace TokenTrace.Cli;

/// <summary>
/// Draws a table of many rows in the look of Spectre.Console's rounded table, line by line straight to the output.
/// Spectre lays a table out as a whole (every cell a segment, measured, then rendered): a summary by session, 250,000
/// rows, took 31 s and 2.4 GB that way, against 1.8 s for the same rows as JSON. Here the rows are formatted once to
/// measure the columns and once more to write them, and no line outlives its write.
/// </summary>
/// <remarks>
/// The look is Spectre's (the same borders, padding, alignment and bold totals row; <c>LargeTableTests</c> compares the
/// two byte for byte), but a name that does not fit is cut in the middle with an ellipsis instead of wrapped over
/// lines: in a table this long, one line per row is what keeps it readable.
/// </remarks>
internal static class LargeTable
{
    /// <summary>From this many rows a table is drawn here rather than by Spectre.Console.</summary>
    public const int MinRows = 1_000;

    /// <summary>The narrowest a name column is squeezed to before the table is left wider than the terminal.</summary>
    private const int MinNameWidth = 8;

    private const int FlushAt = 64 * 1024;

    /// <summary>The table's natural width in terminal cells: every column as wide as its widest cell, with borders and padding.</summary>
    public static int NaturalWidth(IReadOnlyList<string> headers, int rowCount, Func<int, string?[]> row, string?[]? footer) =>
        TotalWidth(Measure(headers, rowCount, row, footer));

    /// <summary>
    /// Writes the table to <paramref name="output"/>: rows are asked for by index, twice (to measure, then to write).
    /// Name columns (<paramref name="wrap"/>) are cut to fit <paramref name="maxWidth"/> when the table is wider.
    /// </summary>
    public static void Write(
        TextWriter output,
        IReadOnlyList<string> headers,
        IReadOnlyList<bool> numeric,
        IReadOnlyList<bool> wrap,
        int rowCount,
        Func<int, string?[]> row,
        string?[]? footer,
        string? title,
        int maxWidth,
        bool bold)
    {
        var widths = Measure(headers, rowCount, row, footer);
        var cut = Fit(widths, wrap, maxWidth);
        var line = new StringBuilder(FlushAt + 1024);
        if (title is not null)
        {
            var total = TotalWidth(widths);
            title = TerminalText.Visible(title);
            var length = CellLength(title);
            var left = Math.Max(0, (total - length) / 2);
            line.Append(' ', left).Append(title).Append(' ', Math.Max(0, total - length - left)).Append(Environment.NewLine);
        }

        Border(line, widths, '╭', '┬', '╮');
        Row(line, widths, numeric, cut, [.. headers], headerRow: true, bold: false);
        Border(line, widths, '├', '┼', '┤');
        for (var i = 0; i < rowCount; i++)
        {
            Row(line, widths, numeric, cut, row(i), headerRow: false, bold: false);
            if (line.Length >= FlushAt)
            {
                output.Write(line);
                line.Clear();
            }
        }

        if (footer is not null)
        {
            Border(line, widths, '├', '┼', '┤');
            Row(line, widths, numeric, cut, footer, headerRow: true, bold);
        }

        Border(line, widths, '╰', '┴', '╯');
        output.Write(line);
        output.Flush();
    }

    private static int[] Measure(IReadOnlyList<string> headers, int rowCount, Func<int, string?[]> row, string?[]? footer)
    {
        var widths = headers.Select(CellLength).ToArray();
        for (var i = 0; i < rowCount; i++)
        {
            Widen(widths, row(i));
        }

        if (footer is not null)
        {
            Widen(widths, footer);
        }

        return widths;
    }

    private static void Widen(int[] widths, string?[] cells)
    {
        for (var c = 0; c < widths.Length; c++)
        {
            widths[c] = Math.Max(widths[c], CellLength(TerminalText.Visible(cells[c] ?? Money.Unknown)));
        }
    }

    /// <summary>Narrows the widest name columns, one cell at a time, until the table fits; which columns were narrowed.</summary>
    private static bool[] Fit(int[] widths, IReadOnlyList<bool> wrap, int maxWidth)
    {
        var cut = new bool[widths.Length];
        var excess = TotalWidth(widths) - maxWidth;
        while (excess > 0)
        {
            var widest = -1;
            for (var c = 0; c < widths.Length; c++)
            {
                if (wrap[c] && widths[c] > MinNameWidth && (widest < 0 || widths[c] > widths[widest]))
                {
                    widest = c;
                }
            }

            if (widest < 0)
            {
                // Numbers are never cut: past this point the table is wider than the terminal, whole.
                break;
            }

            widths[widest]--;
            cut[widest] = true;
            excess--;
        }

        return cut;
    }

    private static int TotalWidth(int[] widths) => widths.Sum() + (3 * widths.Length) + 1;

    private static void Border(StringBuilder line, int[] widths, char left, char middle, char right)
    {
        line.Append(left);
        for (var c = 0; c < widths.Length; c++)
        {
            line.Append('─', widths[c] + 2).Append(c == widths.Length - 1 ? right : middle);
        }

        line.Append(Environment.NewLine);
    }

    private static void Row(StringBuilder line, int[] widths, IReadOnlyList<bool> numeric, bool[] cut, string?[] cells, bool headerRow, bool bold)
    {
        line.Append('│');
        for (var c = 0; c < widths.Length; c++)
        {
            var text = TerminalText.Visible(cells[c] ?? (headerRow ? "" : Money.Unknown));
            if (cut[c] && CellLength(text) > widths[c])
            {
                text = Shorten(text, widths[c]);
            }

            var pad = Math.Max(0, widths[c] - CellLength(text));
            line.Append(' ');
            if (numeric[c])
            {
                line.Append(' ', pad);
            }

            if (bold && text.Length > 0)
            {
                line.Append("\u001b[1m").Append(text).Append("\u001b[0m");
            }
            else
            {
                line.Append(text);
            }

            if (!numeric[c])
            {
                line.Append(' ', pad);
            }

            line.Append(" │");
        }

        line.Append(Environment.NewLine);
    }

    /// <summary>
    /// <paramref name="text"/> cut to at most <paramref name="width"/> terminal cells with an ellipsis in the middle, as
    /// <see cref="TabularOutput.Shorten"/> does for Latin text, counting cells rather than characters (a Japanese name's
    /// characters take two) and never splitting a character made of two UTF-16 units.
    /// </summary>
    private static string Shorten(string text, int width)
    {
        if (CellLength(text) == text.Length)
        {
            return TabularOutput.Shorten(text, width);
        }

        var runes = text.EnumerateRunes().Select(r => (Text: r.ToString(), Cells: CellLength(r.ToString()))).ToList();
        var tailBudget = (width - 1) / 2;
        var headBudget = width - 1 - tailBudget;
        var head = new StringBuilder();
        for (var i = 0; i < runes.Count && runes[i].Cells <= headBudget; i++)
        {
            head.Append(runes[i].Text);
            headBudget -= runes[i].Cells;
        }

        var tail = new List<string>();
        for (var i = runes.Count - 1; i >= 0 && runes[i].Cells <= tailBudget; i--)
        {
            tail.Add(runes[i].Text);
            tailBudget -= runes[i].Cells;
        }

        tail.Reverse();
        return head.Append('…').Append(string.Concat(tail)).ToString();
    }

    /// <summary>
    /// How many terminal cells <paramref name="text"/> takes: its length for Latin text and the dashes and ellipsis the
    /// tables print, else as Spectre measures it (wide East Asian characters, combining marks, emoji).
    /// </summary>
    private static int CellLength(string text)
    {
        foreach (var ch in text)
        {
            if (ch >= '\u0300' && ch is not (>= '\u2010' and <= '\u2027'))
            {
                return ((IRenderable)new Text(text)).Measure(RenderOptions.Create(CliContext.Out), int.MaxValue).Max;
            }
        }

        return text.Length;
    }
}
