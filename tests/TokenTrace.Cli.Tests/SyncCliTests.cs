using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

public sealed class SyncCliTests
{
    [Fact]
    public async Task Two_sync_processes_at_once_store_every_response_once_and_a_third_reads_nothing()
    {
        using var home = new TempDirectory();
        long expectedTokens = 0;
        for (var file = 0; file < 6; file++)
        {
            var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", $"-w-p{file}")).FullName;
            var lines = new List<string>();
            for (var i = 0; i < 300; i++)
            {
                var (input, output) = (1000 + (file * 300) + i, 10 + i);
                expectedTokens += input + output;
                // Two lines per response (a partial usage, then the final one), as Claude Code writes them.
                lines.Add(Line($"m{file}-{i}", input, 1, "null"));
                lines.Add(Line($"m{file}-{i}", input, output, "\"end_turn\""));
            }

            File.WriteAllLines(Path.Combine(folder, "s.jsonl"), lines);
        }

        var environment = Environment(home);
        var runs = await Task.WhenAll(
            CliRunner.RunAsync(home.Path, environment, "sync", "--format", "json"),
            CliRunner.RunAsync(home.Path, environment, "sync", "--format", "json"));
        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.Error));
        var added = runs.Sum(run => Claude(run.Out).GetProperty("added").GetInt64());
        Assert.Equal(1800, added);

        var again = await CliRunner.RunAsync(home.Path, environment, "sync", "--format", "json");
        var claude = Claude(again.Out);
        Assert.Equal((6, 0, 0L), (claude.GetProperty("files").GetInt32(), claude.GetProperty("filesRead").GetInt32(), claude.GetProperty("added").GetInt64()));

        var summary = await CliRunner.RunAsync(home.Path, environment, "summary", "--format", "json");
        var total = JsonDocument.Parse(summary.Out).RootElement.GetProperty("total");
        Assert.Equal(1800, total.GetProperty("records").GetInt64());
        Assert.Equal(expectedTokens, total.GetProperty("inputTokens").GetInt64() + total.GetProperty("outputTokens").GetInt64());
    }

    [Fact]
    public async Task Bad_lines_are_counted_and_named_and_an_unknown_source_is_exit_2()
    {
        using var home = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-w")).FullName;
        File.WriteAllLines(Path.Combine(folder, "s.jsonl"), [Line("m1", 10, 5, "\"end_turn\""), "{\"message\":{\"usage\":{", Line("m2", 10, 5, "\"end_turn\"")]);

        var run = await CliRunner.RunAsync(home.Path, Environment(home), "sync");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("s.jsonl:2:", run.Error, StringComparison.Ordinal);

        var unknown = await CliRunner.RunAsync(home.Path, Environment(home), "sync", "--source", "cursor-ide");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("cursor-ide", unknown.Error, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Environment(TempDirectory home) => new()
    {
        ["HOME"] = home.Path,
        ["CLAUDE_CONFIG_DIR"] = Path.Combine(home.Path, "claude"),
        ["CODEX_HOME"] = Path.Combine(home.Path, "codex"),
        ["GEMINI_DATA_DIR"] = Path.Combine(home.Path, "gemini"),
    };

    private static JsonElement Claude(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateArray().Single(e => e.GetProperty("source").GetString() == "claude-code");

    private static string Line(string message, long input, long output, string stop) =>
        $$"""{"timestamp":"2026-03-01T10:00:00.000Z","sessionId":"s1","cwd":"/w","type":"assistant","message":{"id":"{{message}}","model":"claude-sonnet-4-5-20250929","role":"assistant","stop_reason":{{stop}},"usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";
}
