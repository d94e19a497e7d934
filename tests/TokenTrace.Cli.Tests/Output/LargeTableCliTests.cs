using System.Globalization;
using System.Text;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests.Output;

/// <summary>
/// A summary of more rows than <see cref="LargeTable.MinRows"/> (1,200 sessions) in the default table format, through
/// the real program: every row once, in the order the CSV gives them, fitted to the terminal by cutting names only.
/// </summary>
public sealed class LargeTableCliTests : IAsyncLifetime
{
    private const int Sessions = 1_200;
    private readonly TempDirectory _home = new();

    public async Task InitializeAsync()
    {
        // Session i has i + 1 records of gpt-4o with 1,000 input tokens each ($0.0025 apiece at $2.50 per million).
        var lines = new StringBuilder();
        var id = 0;
        for (var session = 0; session < Sessions; session++)
        {
            for (var k = 0; k <= session % 3; k++)
            {
                lines.Append(CultureInfo.InvariantCulture, $$"""{"id":"r{{id++}}","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":1000,"session":"{{Name(session)}}"}""").Append('\n');
            }
        }

        var file = _home.File("sessions.jsonl");
        await File.WriteAllTextAsync(file, lines.ToString());
        var import = await CliRunner.RunAsync(_home.Path, "import", file);
        Assert.True(import.ExitCode == 0, import.Error);
    }

    public Task DisposeAsync()
    {
        _home.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_session_is_one_row_in_the_csv_order_with_the_total_below()
    {
        var table = await Run(200);
        var csv = await CliRunner.RunAsync(_home.Path, ["summary", "--by", "session", "--tz", "UTC", "--format", "csv"]);
        Assert.True(csv.ExitCode == 0, csv.Error);

        var expected = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]).ToList();
        var rows = table.Split('\n').Where(l => l.StartsWith("│ session-", StringComparison.Ordinal)).ToList();
        Assert.Equal(Sessions, expected.Count);
        Assert.Equal(expected, rows.Select(r => r.Split('│')[1].Trim()));

        // 1,200 sessions with 1, 2 or 3 records in turn: 400 × 6 = 2,400 records, 2.4M input tokens, $6.00.
        var total = table.Split('\n').Single(l => l.StartsWith("│ Total", StringComparison.Ordinal));
        Assert.Matches(@"│ Total +│ +2,400 │ +2,400,000 │", total);
        Assert.Contains("$6.00", total, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public async Task At_the_terminal_width_every_line_fits_and_names_are_cut_in_the_middle(int width)
    {
        var table = await Run(width);

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}"));
        var rows = lines.Where(l => l.StartsWith("│ sess", StringComparison.Ordinal)).ToList();
        Assert.Equal(Sessions, rows.Count);
        Assert.All(rows, row => Assert.Contains("…", row, StringComparison.Ordinal));
        Assert.Equal(Sessions, rows.Select(r => r.Split('│')[1].Trim()).Distinct(StringComparer.Ordinal).Count());
    }

    private async Task<string> Run(int width)
    {
        var result = await CliRunner.RunAsync(
            _home.Path,
            new Dictionary<string, string?> { ["COLUMNS"] = width.ToString(CultureInfo.InvariantCulture) },
            ["summary", "--by", "session", "--tz", "UTC"]);
        Assert.True(result.ExitCode == 0, result.Error);
        return result.Out;
    }

    /// <summary>A name long enough that no terminal fits it whole, unique in its last characters.</summary>
    private static string Name(int session) =>
        string.Create(CultureInfo.InvariantCulture, $"session-with-a-very-long-name-that-the-terminal-cannot-hold-{session:D4}");
}
