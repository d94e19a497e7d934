using System.Globalization;
using System.Text;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// Summaries served from the DuckDB copy (<c>TOKENTRACE_ANALYTICS=always</c>) against the SQLite ledger's own
/// (<c>off</c>): the same groups, tokens and costs, estimates to the last few digits; two processes at once (one
/// of them waits for the other's catch-up, or answers from the ledger) give the same figures.
/// </summary>
public sealed class AnalyticsCliTests
{
    private static async Task<string> ImportAsync(TempDirectory home, int count)
    {
        var file = home.File("usage.jsonl");
        var lines = new StringBuilder();
        string[] models = ["gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro"];
        var start = new DateTimeOffset(2026, 3, 20, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var at = start.AddMinutes(i * 37 % (60 * 24 * 30)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var env = i % 4 == 0 ? "prod" : "dev";
            lines.Append(CultureInfo.InvariantCulture,
                $$$"""{"id":"r{{{i}}}","timestamp":"{{{at}}}","model":"{{{models[i % 3]}}}","input":{{{1_000 + (i * 7919 % 50_000)}}},"output":{{{i % 900}}},"project":"p{{{i % 13}}}","job":"j{{{i * 31 % 97}}}","tags":{"env":"{{{env}}}"}}""")
                .Append('\n');
        }

        await File.WriteAllTextAsync(file, lines.ToString());
        var import = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_ANALYTICS"] = "always" }, "import", file);
        Assert.True(import.ExitCode == 0, import.Error);
        return file;
    }

    private static async Task<JsonElement> SummaryAsync(TempDirectory home, string mode, params string[] args)
    {
        var run = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_ANALYTICS"] = mode }, ["summary", .. args, "--format", "json"]);
        Assert.True(run.ExitCode == 0, run.Error);
        return JsonDocument.Parse(run.Out).RootElement;
    }

    private static void AssertSameFigures(JsonElement expected, JsonElement actual)
    {
        var left = expected.GetProperty("rows").EnumerateArray().ToList();
        var right = actual.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(left.Count, right.Count);
        foreach (var (e, a) in left.Zip(right).Append((expected.GetProperty("total"), actual.GetProperty("total"))))
        {
            foreach (var property in e.EnumerateObject())
            {
                var other = a.GetProperty(property.Name);
                if (property.Name.StartsWith("energy", StringComparison.Ordinal) || property.Name.StartsWith("co2e", StringComparison.Ordinal))
                {
                    Assert.Equal(property.Value.GetDouble(), other.GetDouble(), 1e-9 * Math.Abs(property.Value.GetDouble()));
                }
                else
                {
                    Assert.Equal(property.Value.GetRawText(), other.GetRawText());
                }
            }
        }
    }

    [Fact]
    public async Task The_copy_and_the_ledger_give_the_same_summaries_and_two_processes_at_once_agree()
    {
        using var home = new TempDirectory();
        await ImportAsync(home, 4_000);
        Assert.True(File.Exists(Path.Combine(home.Path, "usage.duckdb")), "import brought the copy up to date");
        foreach (var by in new[] { "job", "day,project", "tag:env", "week" })
        {
            AssertSameFigures(await SummaryAsync(home, "off", "--by", by, "--tz", "Europe/Paris"), await SummaryAsync(home, "always", "--by", by, "--tz", "Europe/Paris"));
        }

        AssertSameFigures(await SummaryAsync(home, "off", "--by", "model", "--project", "p3"), await SummaryAsync(home, "always", "--by", "model", "--project", "p3"));

        // The copy is caught up by whichever process gets it first; the other waits or answers from the ledger.
        await File.AppendAllTextAsync(home.File("more.jsonl"), """{"id":"late","timestamp":"2026-03-21T10:00:00Z","model":"gpt-4o","input":5,"job":"j1"}""" + "\n");
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_ANALYTICS"] = "off" }, "import", home.File("more.jsonl"))).ExitCode);
        var both = await Task.WhenAll(SummaryAsync(home, "always", "--by", "job"), SummaryAsync(home, "always", "--by", "job"));
        AssertSameFigures(both[0], both[1]);
        AssertSameFigures(await SummaryAsync(home, "off", "--by", "job"), both[0]);
        Assert.Equal(4_001, both[0].GetProperty("total").GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task An_unknown_analytics_mode_is_bad_input()
    {
        using var home = new TempDirectory();
        var run = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_ANALYTICS"] = "sometimes" }, "summary");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("TOKENTRACE_ANALYTICS", run.Error, StringComparison.Ordinal);
    }
}
