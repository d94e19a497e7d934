using System.Globalization;
using CsCheck;
using Spectre.Console;

namespace TokenTrace.Cli.Tests.Output;

/// <summary>
/// Tables of many rows are drawn by <see cref="LargeTable"/> instead of Spectre.Console (which took 31 s and 2.4 GB for
/// a summary by session): the same look byte for byte wherever the table fits, names cut in the middle where it does
/// not, and every row there.
/// </summary>
public sealed class LargeTableTests
{
    private static readonly (string Header, bool Numeric, bool Wrap)[] Columns =
        [("Session", false, true), ("Model", false, false), ("Records", true, false), ("Cost", true, false)];

    [Fact]
    public void A_table_with_a_title_and_a_total_looks_exactly_as_spectre_draws_it()
    {
        string?[][] rows =
        [
            ["s-1", "claude-sonnet-4-5", "1,234", "$0.51"],
            ["a-much-longer-session-name", "gpt-4o", "7", null],
            ["", "gemini-2.5-pro", "1,234,567", "$12,345.67"],
            ["セッション", "gpt-5", "3", "$0.0075"],
            ["evil\u001b]0;pwned\u0007\nname\u009b", "gpt-5", "1", "$0.01"],
        ];
        string?[] footer = ["Total", "", "1,235,811", "$12,346.19"];

        Assert.Equal(Spectre(rows, footer, "Usage by session"), Large(rows, footer, "Usage by session", 200));
        Assert.Equal(Spectre(rows, null, null), Large(rows, null, null, 200));

        // Control characters are shown, not obeyed: one line per row (with the borders, the header and the total: 6 more),
        // and no escape reaches the terminal.
        var large = Large(rows, footer, null, 200);
        Assert.Equal(rows.Length + 6, large.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain(large, c => char.IsControl(c) && c != '\n');
        Assert.Contains("evil\uFFFD]0;pwned\uFFFD\uFFFDname\uFFFD", large, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_table_that_fits_looks_exactly_as_spectre_draws_it()
    {
        var name = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz-0123456789_."], 0, 30];
        var number = Gen.Long[0, 10_000_000_000].Select(n => n.ToString("#,0", CultureInfo.InvariantCulture));
        var row = Gen.Select(name, name, number, number.Null()).Select((a, b, c, d) => new string?[] { a, b, c, d });
        Gen.Select(row.Array[1, 40], row, Gen.Bool).Sample((rows, footer, titled) =>
        {
            var title = titled ? "Usage" : null;
            Assert.Equal(Spectre(rows, footer, title), Large(rows, footer, title, 200));
        }, iter: 200);
    }

    [Fact]
    public void A_table_wider_than_the_terminal_cuts_names_in_the_middle_and_never_numbers()
    {
        string?[][] rows = [["session-with-a-name-far-too-long-to-fit-in-forty-columns", "claude-sonnet-4-5-20250929", "1,234,567", "$12,345.67"]];

        var lines = Large(rows, null, null, 80).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Natural width 114: 56 + 26 + 9 + 10 for the cells, 13 for borders and padding. At 80 the session column (the
        // only one that may wrap) gives up 34 of its 56 cells: 22, the first 11 characters, an ellipsis and the last 10.
        Assert.All(lines, line => Assert.Equal(80, line.Length));
        Assert.Equal("│ session-wit…ty-columns │ claude-sonnet-4-5-20250929 │ 1,234,567 │ $12,345.67 │", lines[3]);

        // At 60 the name stops at 8 cells and the table stays wider than the terminal rather than cutting a number.
        lines = Large(rows, null, null, 60).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("│ sess…mns │ claude-sonnet-4-5-20250929 │ 1,234,567 │ $12,345.67 │", lines[3]);
    }

    [Fact]
    public void A_name_of_wide_characters_is_cut_by_terminal_cells_not_by_characters()
    {
        string?[][] rows = [[new string('東', 30), "gpt-5", "1", "$0.01"]];

        var lines = Large(rows, null, null, 80).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Natural width 90: 60 cells of name (30 characters of two cells), 5 + 7 + 5 for the other columns, 13 for borders
        // and padding. At 80 the name gets 50 cells: 12 characters (24 cells), the ellipsis, 12 more, one cell of padding.
        Assert.All(lines, line => Assert.Equal(80, line.Length + line.Count(c => c == '東')));
        Assert.Equal("│ " + new string('東', 12) + "…" + new string('東', 12) + "  │ gpt-5 │       1 │ $0.01 │", lines[3]);
    }

    private static string Spectre(string?[][] rows, string?[]? footer, string? title)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        console.Write(TabularOutput.BuildTable(Columns, rows, footer, title));
        return writer.ToString();
    }

    private static string Large(string?[][] rows, string?[]? footer, string? title, int width)
    {
        var writer = new StringWriter();
        LargeTable.Write(writer, [.. Columns.Select(c => c.Header)], [.. Columns.Select(c => c.Numeric)], [.. Columns.Select(c => c.Wrap)], rows.Length, i => rows[i], footer, title, width, bold: false);
        return writer.ToString();
    }
}
