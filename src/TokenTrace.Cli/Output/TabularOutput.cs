using System.Globalization;
using System.Text;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary>Writes a header and rows of text as a table, CSV or Markdown: one place for the non-JSON formats.</summary>
internal static class TabularOutput
{
    public static void Write(string format, IReadOnlyList<string> header, IReadOnlyList<string?[]> rows, string?[]? footer = null, string? title = null)
    {
        switch (format)
        {
            case "csv":
                var csv = new StringBuilder();
                AppendCsv(csv, header);
                foreach (var row in rows)
                {
                    AppendCsv(csv, row);
                }

                if (footer is not null)
                {
                    AppendCsv(csv, footer);
                }

                Console.Out.Write(csv.ToString());
                break;
            case "markdown":
                var md = new StringBuilder();
                md.Append("| ").AppendJoin(" | ", header.Select(Escape)).Append(" |\n");
                md.Append('|').AppendJoin("|", header.Select((_, i) => i == 0 ? "---" : "---:")).Append("|\n");
                foreach (var row in footer is null ? rows : rows.Append(footer.Select((c, i) => i == 0 ? $"**{c}**" : c).ToArray()))
                {
                    md.Append("| ").AppendJoin(" | ", row.Select(c => Escape(c ?? "-"))).Append(" |\n");
                }

                Console.Out.Write(md.ToString());
                break;
            default:
                var table = new Table().Border(TableBorder.Rounded);
                if (title is not null)
                {
                    table.Title(title);
                }

                for (var i = 0; i < header.Count; i++)
                {
                    var column = new TableColumn(Markup.Escape(header[i]));
                    table.AddColumn(i == 0 ? column : column.RightAligned());
                }

                foreach (var row in rows)
                {
                    table.AddRow(row.Select(c => Markup.Escape(c ?? "-")).ToArray());
                }

                if (footer is not null)
                {
                    table.ShowFooters = true;
                    for (var i = 0; i < footer.Length; i++)
                    {
                        table.Columns[i].Footer(new Markup("[bold]" + Markup.Escape(footer[i] ?? "") + "[/]"));
                    }
                }

                CliContext.Out.Write(table);
                break;
        }
    }

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

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
            var text = cell ?? "";
            if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@')
            {
                text = "'" + text;
            }

            output.Append(text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text);
        }

        output.Append('\n');
    }
}
