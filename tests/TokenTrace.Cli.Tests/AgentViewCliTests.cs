using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

public sealed class AgentViewCliTests
{
    [Fact]
    public async Task Daily_syncs_first_then_totals_each_day_and_breaks_it_down_by_model()
    {
        using var home = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-w")).FullName;
        File.WriteAllLines(Path.Combine(folder, "s.jsonl"),
        [
            Line("m1", "2026-03-01T10:00:00.000Z", "claude-sonnet-4-5-20250929", 100, 10),
            Line("m2", "2026-03-01T23:30:00.000Z", "claude-haiku-4-5-20251001", 200, 20),
            Line("m3", "2026-03-02T08:00:00.000Z", "claude-sonnet-4-5-20250929", 300, 30),
        ]);
        var environment = Environment(home);

        var daily = await CliRunner.RunAsync(home.Path, environment, "daily", "--tz", "UTC", "--format", "json");
        Assert.True(daily.ExitCode == 0, daily.Error);
        var rows = JsonDocument.Parse(daily.Out).RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetProperty("day").GetString()!, r => r.GetProperty("totalTokens").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["2026-03-01"] = 330, ["2026-03-02"] = 330 }, rows);

        // In another zone the 23:30 UTC call is on the next day; --breakdown gives a row per day and model.
        var paris = await CliRunner.RunAsync(home.Path, environment, "daily", "--tz", "Europe/Paris", "--breakdown", "--no-sync", "--format", "json");
        var keys = JsonDocument.Parse(paris.Out).RootElement.GetProperty("rows").EnumerateArray()
            .Select(r => r.GetProperty("key").GetProperty("day").GetString() + " " + r.GetProperty("key").GetProperty("model").GetString())
            .Order(StringComparer.Ordinal);
        Assert.Equal(["2026-03-01 claude-sonnet-4-5-20250929", "2026-03-02 claude-haiku-4-5-20251001", "2026-03-02 claude-sonnet-4-5-20250929"], keys);

        var session = await CliRunner.RunAsync(home.Path, environment, "session", "--format", "json");
        var only = Assert.Single(JsonDocument.Parse(session.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(("s1", "/w"), (only.GetProperty("key").GetProperty("session").GetString(), only.GetProperty("key").GetProperty("project").GetString()));
        Assert.Equal(660, only.GetProperty("totalTokens").GetInt64());
    }

    private static Dictionary<string, string?> Environment(TempDirectory home) => new()
    {
        ["HOME"] = home.Path,
        ["CLAUDE_CONFIG_DIR"] = Path.Combine(home.Path, "claude"),
        ["CODEX_HOME"] = Path.Combine(home.Path, "codex"),
        ["GEMINI_DATA_DIR"] = Path.Combine(home.Path, "gemini"),
    };

    private static string Line(string message, string at, string model, long input, long output) =>
        $$"""{"timestamp":"{{at}}","sessionId":"s1","cwd":"/w","type":"assistant","message":{"id":"{{message}}","model":"{{model}}","role":"assistant","stop_reason":"end_turn","usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";
}
