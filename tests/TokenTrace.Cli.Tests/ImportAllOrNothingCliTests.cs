using System.Globalization;
using System.Text;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// <c>import</c> into the default SQLite ledger writes while it reads, in one transaction: a bad line after several
/// 5,000-record batches were already inserted must still leave nothing stored.
/// </summary>
public sealed class ImportAllOrNothingCliTests
{
    [Fact]
    public async Task A_bad_line_after_batches_were_written_rolls_the_whole_import_back_and_the_good_part_imports_later()
    {
        using var home = new TempDirectory();
        var good = new StringBuilder();
        for (var i = 0; i < 12_000; i++)
        {
            good.Append(CultureInfo.InvariantCulture, $$"""{"id":"r{{i}}","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":1000,"costUsd":0.001}""").Append('\n');
        }

        var goodFile = home.File("good.jsonl");
        await File.WriteAllTextAsync(goodFile, good.ToString());
        var badFile = home.File("bad.jsonl");
        await File.WriteAllTextAsync(badFile, good + """
            {"id":"bad","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":"many"}
            {"id":"after","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":1}

            """);

        var result = await CliRunner.RunAsync(home.Path, "import", badFile);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.jsonl:12001", result.Error, StringComparison.Ordinal);
        Assert.Contains("input", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, await RecordsAsync(home));

        var imported = await CliRunner.RunAsync(home.Path, "import", goodFile, "--format", "json");
        Assert.Equal(0, imported.ExitCode);
        Assert.Equal(12_000, JsonDocument.Parse(imported.Out).RootElement.GetProperty("added").GetInt64());
        var again = await CliRunner.RunAsync(home.Path, "import", goodFile, "--format", "json");
        Assert.Equal(12_000, JsonDocument.Parse(again.Out).RootElement.GetProperty("duplicates").GetInt64());

        // 12,000 records at 0.001 USD each.
        var summary = JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "summary", "--format", "json")).Out).RootElement.GetProperty("total");
        Assert.Equal(12_000, summary.GetProperty("records").GetInt64());
        Assert.Equal(12m, summary.GetProperty("costUsd").GetDecimal());
    }

    [Fact]
    public async Task A_failed_import_names_every_bad_line_though_it_stops_writing_at_the_first()
    {
        // Line 2 is bad, so nothing is written after it; line 6,002 (past the first 5,000-record batch) is bad too, and the
        // message must still count and name both: the file is checked to its end once the transaction is rolled back.
        using var home = new TempDirectory();
        var lines = new StringBuilder();
        for (var i = 1; i <= 7_000; i++)
        {
            lines.Append(i switch
            {
                2 => """{"id":"bad-early","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":-5}""",
                6_002 => """{"id":"bad-late","timestamp":"not a time","model":"gpt-4o","input":1}""",
                _ => string.Create(CultureInfo.InvariantCulture, $$"""{"id":"r{{i}}","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":10}"""),
            }).Append('\n');
        }

        var file = home.File("two-bad.jsonl");
        await File.WriteAllTextAsync(file, lines.ToString());

        var result = await CliRunner.RunAsync(home.Path, "import", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("2 bad line(s); nothing imported", result.Error, StringComparison.Ordinal);
        Assert.Contains("two-bad.jsonl:2", result.Error, StringComparison.Ordinal);
        Assert.Contains("two-bad.jsonl:6002", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, await RecordsAsync(home));
    }

    private static async Task<long> RecordsAsync(TempDirectory home) =>
        JsonDocument.Parse((await CliRunner.RunAsync(home.Path, "summary", "--format", "json")).Out).RootElement.GetProperty("total").GetProperty("records").GetInt64();
}
