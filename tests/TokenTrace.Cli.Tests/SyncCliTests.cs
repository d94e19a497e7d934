using System.Text.Json;
using TokenTrace.CodingAgents.Tests;
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

    [Fact]
    public async Task OpenCode_and_Amp_histories_sync_with_their_bad_files_named_and_daily_totals_them_by_day()
    {
        using var home = new TempDirectory();
        Fixtures.CopyTo("opencode", Path.Combine(home.Path, "opencode"));
        Fixtures.CopyTo("amp", Path.Combine(home.Path, "amp"));
        var environment = Environment(home);

        var sync = await CliRunner.RunAsync(home.Path, environment, "sync", "--source", "opencode,amp", "--format", "json");
        Assert.True(sync.ExitCode == 0, sync.Error);
        var results = JsonDocument.Parse(sync.Out).RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("source").GetString()!);
        Assert.Equal(["amp", "opencode"], results.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((6, 3L, 1L), Counts(results["opencode"]));
        Assert.Equal((3, 3L, 2L), Counts(results["amp"]));
        var problems = results["amp"].GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("T-7e0c5a12-3b4d-4f6a-9c8e-1d2f3a4b5c6d.json", StringComparison.Ordinal) && p.Contains("messages[5].usage.inputTokens", StringComparison.Ordinal));
        Assert.Contains(results["opencode"].GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("msg_c7d8e9f0a103KkLlMmNnOoPp.json", StringComparison.Ordinal));

        // The fixture's messages by day (worked out in OpenCodeReaderTests): 12 + 15000 + 2200 + 480 and 3000 + 9000 + 1000
        // on the 20th, 2000 + 900 on the 21st. The view syncs first: nothing is new.
        var daily = await CliRunner.RunAsync(home.Path, environment, "daily", "--source", "opencode", "--tz", "UTC", "--format", "json");
        Assert.True(daily.ExitCode == 0, daily.Error);
        var days = JsonDocument.Parse(daily.Out).RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetProperty("day").GetString()!, r => (r.GetProperty("records").GetInt64(), r.GetProperty("totalTokens").GetInt64()));
        Assert.Equal(new Dictionary<string, (long, long)> { ["2026-11-20"] = (2, 30692), ["2026-11-21"] = (1, 2900) }, days);

        var again = await CliRunner.RunAsync(home.Path, environment, "sync", "--source", "opencode", "--source", "amp", "--format", "json");
        Assert.All(JsonDocument.Parse(again.Out).RootElement.EnumerateArray(), e => Assert.Equal((0, 0L), (e.GetProperty("filesRead").GetInt32(), e.GetProperty("added").GetInt64())));
    }

    private static (int Files, long Added, long Skipped) Counts(JsonElement result) =>
        (result.GetProperty("files").GetInt32(), result.GetProperty("added").GetInt64(), result.GetProperty("skippedLines").GetInt64());

    private static Dictionary<string, string?> Environment(TempDirectory home) => new()
    {
        ["HOME"] = home.Path,
        ["CLAUDE_CONFIG_DIR"] = Path.Combine(home.Path, "claude"),
        ["CODEX_HOME"] = Path.Combine(home.Path, "codex"),
        ["GEMINI_DATA_DIR"] = Path.Combine(home.Path, "gemini"),
        ["OPENCODE_DATA_DIR"] = Path.Combine(home.Path, "opencode"),
        ["AMP_DATA_DIR"] = Path.Combine(home.Path, "amp"),
        ["QWEN_DATA_DIR"] = Path.Combine(home.Path, "qwen"),
    };

    private static JsonElement Claude(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateArray().Single(e => e.GetProperty("source").GetString() == "claude-code");

    private static string Line(string message, long input, long output, string stop) =>
        $$"""{"timestamp":"2026-03-01T10:00:00.000Z","sessionId":"s1","cwd":"/w","type":"assistant","message":{"id":"{{message}}","model":"claude-sonnet-4-5-20250929","role":"assistant","stop_reason":{{stop}},"usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";
}
