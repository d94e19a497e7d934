using System.Text.RegularExpressions;

namespace TokenTrace.Cli.Tests.Output;

/// <summary>
/// Tables fit the terminal: at 80, 120 and 200 columns no line is wider than the terminal and no number is split
/// across lines (every numeric cell reads as one whole number); below 120 the compact layout, --wide for everything.
/// </summary>
public sealed partial class TableWidthTests(KnownUsage usage) : IClassFixture<KnownUsage>
{
    public static TheoryData<int, string> Views()
    {
        var data = new TheoryData<int, string>();
        foreach (var width in new[] { 80, 120, 200 })
        {
            foreach (var view in new[] { "summary --by model", "summary --by model,project", "summary --by day,model", "summary --by day,project,model", "carbon", "trend", "report", "budget status", "blocks --source import --no-sync" })
            {
                data.Add(width, view);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Views))]
    public async Task No_line_is_wider_than_the_terminal_and_every_number_is_whole(int width, string view)
    {
        var result = await RunAt(width, view);
        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Out.Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}"));
        AssertNumbersWhole(lines);

        // The known amounts appear as whole cells: $69.24 (claude-sonnet-4-5), $0.0075 (gpt-4o), $69.25 (the day's total).
        var expected = view switch
        {
            "budget status" => ["$69.25", "$100.00"],
            "trend" or "blocks --source import --no-sync" => ["$69.25"],
            _ => new[] { "$69.24", "$0.0075" },
        };
        foreach (var cell in expected)
        {
            Assert.Matches("│ *" + Regex.Escape(cell) + " *│", result.Out);
        }
    }

    [Fact]
    public async Task Narrow_tables_are_compact_and_wide_restores_every_column()
    {
        var narrow = await RunAt(80, "summary --by model");
        Assert.Matches(@"│ *4\.8M *│", narrow.Out); // claude-sonnet-4-5: 4,760,000 tokens
        Assert.DoesNotContain("Cache read", narrow.Out, StringComparison.Ordinal);

        var wide = await RunAt(80, "summary --by model --wide");
        Assert.Matches(@"│ *4,760,000 *│", wide.Out);
        Assert.Contains("Cache read", wide.Out, StringComparison.Ordinal);
        AssertNumbersWhole(wide.Out.Split('\n'));

        var full = await RunAt(200, "summary --by model");
        Assert.Matches(@"│ *4,760,000 *│", full.Out);
        Assert.Contains("Cache read", full.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Piped_with_no_width_given_a_table_is_whole_as_with_wide()
    {
        // A view wider than 200 columns: given a width (here 200), it is made to fit; piped with COLUMNS unset (as from a
        // shell that does not export it, `tokentrace summary … | less`), it is whole, exactly as --wide prints it.
        string[] view = ["summary", "--by", "day,hour,project,model,source,provider,agent,user", .. KnownUsage.OnTheDay];
        var fitted = await CliRunner.RunAsync(usage.Home, new Dictionary<string, string?> { ["COLUMNS"] = "200" }, view);
        var wide = await CliRunner.RunAsync(usage.Home, new Dictionary<string, string?> { ["COLUMNS"] = "200" }, [.. view, "--wide"]);
        var piped = await CliRunner.RunAsync(usage.Home, new Dictionary<string, string?> { ["COLUMNS"] = null }, view);

        Assert.Contains(fitted.Out.Split('\n'), line => line.Length > 0);
        Assert.All(fitted.Out.Split('\n'), line => Assert.True(line.Length <= 200, line));
        Assert.Contains(wide.Out.Split('\n'), line => line.Length > 200);
        Assert.Equal(wide.Out, piped.Out);
        AssertNumbersWhole(piped.Out.Split('\n'));
    }

    [Fact]
    public async Task A_model_whose_records_are_all_unpriced_shows_a_dash_and_the_count_never_zero_dollars()
    {
        var table = await RunAt(200, "summary --by model");
        var mystery = table.Out.Split('\n').Single(l => l.Contains("mystery-9000", StringComparison.Ordinal));
        Assert.DoesNotContain("$", mystery, StringComparison.Ordinal);
        Assert.Matches(@"│ *– *│ *1 *│", mystery); // Cost unknown, Unpriced 1
        Assert.Contains("1 of 3 record(s) have no known price", table.Error, StringComparison.Ordinal);

        var markdown = await CliRunner.RunAsync(usage.Home, ["summary", "--by", "model", "--format", "markdown", .. KnownUsage.OnTheDay]);
        Assert.Contains("| mystery-9000 | 1 | 10 | 0 | 0 | 0 | 10 | – | 1 |", markdown.Out, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Out, string Error)> RunAt(int width, string view)
    {
        string[] args = [.. view.Split(' '), .. view.StartsWith("budget", StringComparison.Ordinal) ? [] : KnownUsage.OnTheDay];
        if (view == "report")
        {
            args = [.. args, "--at", "2026-11-21T00:00:00Z"];
        }

        if (view == "trend")
        {
            args = ["trend", "--since", "2026-11-18", "--until", KnownUsage.Day, "--tz", "UTC"];
        }

        return CliRunner.RunAsync(usage.Home, new Dictionary<string, string?> { ["COLUMNS"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture) }, args);
    }

    /// <summary>
    /// Every cell of a table row that starts like a number is one whole number in one of the shapes the CLI prints; a
    /// number wrapped over two lines leaves a piece ("1,18", "$69.2", "4.75") that is none of them.
    /// </summary>
    private static void AssertNumbersWhole(IEnumerable<string> lines)
    {
        // The header row (right under the top border) holds titles such as "80% interval", not numbers.
        var list = lines.ToList();
        foreach (var line in list.Where((l, i) => l.StartsWith('│') && (i == 0 || !list[i - 1].StartsWith('╭'))))
        {
            foreach (var cell in line.Split('│').Select(c => c.Trim()).Where(c => c.Length > 0 && (char.IsAsciiDigit(c[0]) || c[0] == '$')))
            {
                Assert.True(WholeNumber().IsMatch(cell), $"'{cell}' is part of a number: {line}");
            }
        }
    }

    private const string Number = @"(\$\d{1,3}(,\d{3})*\.\d{2,8}|\d{1,3}(,\d{3})*|\d+(\.\d)?[kMBT]|\d+(\.\d+)?%|\d+(\.\d+)? (mWh|Wh|kWh|MWh|mg|g|kg|t)|\d{4}-\d{2}-\d{2}( \d{2}:\d{2} UTC|T\d{2}:\d{2})?|\d+h \d{2}m)";

    [GeneratedRegex("^" + Number + "( – " + Number + ")?$")]
    private static partial Regex WholeNumber();
}
