using System.Text.Json;
using TokenTrace.Cli.Tests;

namespace TokenTrace.Server.Tests;

/// <summary><c>tokentrace sync --push URL</c>: the coding agents' histories reach the server in one command.</summary>
public sealed class SyncPushCliTests
{
    [Fact]
    public async Task Sync_push_syncs_the_agents_then_pushes_as_push_does()
    {
        await using var server = await ServerHarness.StartAsync();
        using var home = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-w")).FullName;
        File.WriteAllLines(Path.Combine(folder, "s.jsonl"),
        [
            Line("m1", "2026-03-01T10:00:00.000Z", 100, 10),
            Line("m2", "2026-03-01T11:00:00.000Z", 200, 20),
            Line("m3", "2026-03-02T08:00:00.000Z", 300, 30),
        ]);
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = home.Path,
            ["CLAUDE_CONFIG_DIR"] = Path.Combine(home.Path, "claude"),
            ["CODEX_HOME"] = Path.Combine(home.Path, "codex"),
            ["GEMINI_DATA_DIR"] = Path.Combine(home.Path, "gemini"),
            ["TOKENTRACE_PUSH_TOKEN"] = ServerHarness.WriteSecret,
        };

        var first = await CliRunner.RunAsync(home.Path, environment, TimeSpan.FromMinutes(2), "sync", "--push", server.Address.AbsoluteUri, "--device-name", "build box", "--source", "claude-code", "--format", "json");

        Assert.True(first.ExitCode == 0, first.Error);
        var answer = JsonDocument.Parse(first.Out).RootElement;
        Assert.Equal(3, answer.GetProperty("sync")[0].GetProperty("added").GetInt32());
        Assert.Equal((3, 3), (answer.GetProperty("push").GetProperty("pushed").GetInt32(), answer.GetProperty("push").GetProperty("stored").GetInt32()));
        var stored = await IngestTests.ReadAllAsync(server.Ledger);
        Assert.Equal(3, stored.Count);
        Assert.All(stored, r => Assert.Equal("build box", r.Attribution.Tags["device.name"]));
        // 100 + 200 + 300 input tokens, as the transcript says.
        Assert.Equal(600, stored.Sum(r => r.Tokens.Input));

        // A second run finds nothing new to sync and nothing to push; the text output is the sync table then push's line.
        var second = await CliRunner.RunAsync(home.Path, environment, TimeSpan.FromMinutes(2), "sync", "--push", server.Address.AbsoluteUri, "--source", "claude-code");
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.EndsWith("pushed 0 records (0 already on the server)\n", second.Out, StringComparison.Ordinal);

        // The token options need --push, and a read token cannot push: the exit codes of push.
        var stray = await CliRunner.RunAsync(home.Path, environment, TimeSpan.FromMinutes(2), "sync", "--device-name", "x");
        Assert.Equal(2, stray.ExitCode);
        File.AppendAllLines(Path.Combine(folder, "s.jsonl"), [Line("m4", "2026-03-02T09:00:00.000Z", 400, 40)]);
        var refused = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?>(environment) { ["TOKENTRACE_PUSH_TOKEN"] = ServerHarness.ReadSecret }, TimeSpan.FromMinutes(2), "sync", "--push", server.Address.AbsoluteUri, "--source", "claude-code");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("answered 403", refused.Error, StringComparison.Ordinal);
        Assert.Equal(3, (await IngestTests.ReadAllAsync(server.Ledger)).Count);
    }

    private static string Line(string message, string at, long input, long output) =>
        $$"""{"timestamp":"{{at}}","sessionId":"s1","cwd":"/w","type":"assistant","message":{"id":"{{message}}","model":"claude-sonnet-4-5-20250929","role":"assistant","stop_reason":"end_turn","usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";
}
