using System.Text.Json;
using System.Text.Json.Nodes;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// <c>tokentrace statusline</c> fed as Claude Code feeds it: the real statusLine JSON (../shared/data), its session and
/// transcript rewritten to a hand-made one. claude-sonnet-4-5 costs $3 per million input and $15 per million output
/// tokens, so every amount below is worked out from the lines.
/// </summary>
public sealed class StatuslineCliTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_real_input_gives_this_sessions_figures_today_the_block_and_the_budget_syncing_only_its_transcript()
    {
        using var home = new TempDirectory();
        // sess-a: 100,000 in / 10,000 out at 10:20 ($0.30 + $0.15) and 150,000 / 20,000 at 11:20 ($0.45 + $0.30):
        // $1.20 and 280,000 tokens. sess-b: 100,000 / 40,000 at 10:30 ($0.30 + $0.60 = $0.90), another session the status
        // line does not read. (Each prompt is under 200k tokens, Sonnet 4.5's long-context threshold.)
        var transcript = Transcript(home, "sess-a",
            BlocksCliTests.Line("sess-a", "a1", "2026-03-01T10:20:00.000Z", 100_000, 10_000),
            BlocksCliTests.Line("sess-a", "a2", "2026-03-01T11:20:00.000Z", 150_000, 20_000));
        Transcript(home, "sess-b", BlocksCliTests.Line("sess-b", "b1", "2026-03-01T10:30:00.000Z", 100_000, 40_000));
        // A subagent of sess-a, in Claude Code's layout beside the transcript: 10,000 in / 2,000 out at 10:40 ($0.03 +
        // $0.03), the session's too. With it sess-a is $1.26 and 292,000 tokens.
        var subagents = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(transcript)!, "sess-a", "subagents")).FullName;
        File.WriteAllLines(Path.Combine(subagents, "agent-1.jsonl"), [BlocksCliTests.Line("sess-a", "s1", "2026-03-01T10:40:00.000Z", 10_000, 2_000)]);
        var environment = Environment(home, "2026-03-01T11:20:00Z");
        var budget = await CliRunner.RunAsync(home.Path, environment, "budget", "set", "cap", "--limit", "9", "--period", "total");
        Assert.True(budget.ExitCode == 0, budget.Error);

        var first = await Statusline(home, environment, RealInput("sess-a", transcript));
        // The block (10:00–15:00) has $1.26 since its first record at 10:20, an hour ago: $1.26/h, 3 h 40 m left.
        // The budget: $1.26 of $9 is 14 %.
        Assert.Matches(@"^Opus 4\.1 \| session \$1\.26 · 292k tok · [0-9.]+ m?Wh · [0-9.]+ m?g CO2e \| today \$1\.26 \| block \$1\.26 · \$1\.26/h · 3h 40m left \| budget 14% cap$", first);

        // Once everything is synced, today and the block have sess-b's $0.90 too ($2.16; still since 10:20, so $2.16/h)
        // and the budget is at $2.16 / $9 = 24 %; the session's own figures do not change.
        var sync = await CliRunner.RunAsync(home.Path, environment, "sync");
        Assert.True(sync.ExitCode == 0, sync.Error);
        var second = await Statusline(home, environment, RealInput("sess-a", transcript));
        Assert.Matches(@"^Opus 4\.1 \| session \$1\.26 · 292k tok · .* CO2e \| today \$2\.16 \| block \$2\.16 · \$2\.16/h · 3h 40m left \| budget 24% cap$", second);
    }

    [Fact]
    public async Task Bad_input_and_a_missing_transcript_give_one_line_and_exit_0()
    {
        using var home = new TempDirectory();
        var environment = Environment(home, "2026-03-01T11:20:00Z");

        Assert.Equal("tokentrace: status line input is not JSON (line 1, byte 2)", await Statusline(home, environment, "{not json"));
        Assert.Equal("tokentrace: status line input is a JSON array, not an object", await Statusline(home, environment, "[1, 2]"));
        Assert.Equal("tokentrace: no status line input on stdin (Claude Code's statusLine JSON)", await Statusline(home, environment, ""));

        // A transcript Claude Code has not written yet: nothing stored for the session, and the line still comes.
        Assert.Equal("Opus 4.1 | session $0.00 · 0 tok | today $0.00", await Statusline(home, environment, RealInput("sess-z", Path.Combine(home.Path, "missing.jsonl"))));

        // An unknown word in the settings' command is ignored, not an error.
        var typo = await CliRunner.RunWithInputAsync(home.Path, environment, Limit, RealInput("sess-z", "x"), "statusline", "--colour", "--tz", "UTC");
        Assert.Equal((0, "Opus 4.1 | session $0.00 · 0 tok | today $0.00\n"), (typo.ExitCode, typo.Out));

        // A broken setting is one line too, never a stack trace or an exit code that breaks the prompt line.
        var badClock = new Dictionary<string, string?>(environment) { ["TOKENTRACE_NOW"] = "soon" };
        Assert.Equal("tokentrace: TOKENTRACE_NOW: 'soon' is not an ISO 8601 instant", await Statusline(home, badClock, RealInput("sess-z", "x")));

        // A command line that does not parse (an option missing its value) is one line and exit 0 too.
        var noValue = await CliRunner.RunWithInputAsync(home.Path, environment, Limit, RealInput("sess-z", "x"), "statusline", "--ledger");
        Assert.Equal(0, noValue.ExitCode);
        Assert.StartsWith("tokentrace: ", Assert.Single(noValue.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Equal("", noValue.Error);
    }

    [Fact]
    public async Task Two_status_lines_and_a_sync_at_once_store_every_response_once()
    {
        using var home = new TempDirectory();
        long expected = 0;
        var lines = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            lines.Add(BlocksCliTests.Line("sess-a", $"a{i}", "2026-03-01T10:20:00.000Z", 1000 + i, 10));
            expected += 1000 + i + 10;
        }

        var transcript = Transcript(home, "sess-a", [.. lines]);
        Transcript(home, "sess-b", BlocksCliTests.Line("sess-b", "b1", "2026-03-01T10:30:00.000Z", 5000, 50));
        expected += 5050;
        var environment = Environment(home, "2026-03-01T11:20:00Z");

        var input = RealInput("sess-a", transcript);
        var runs = await Task.WhenAll(
            CliRunner.RunWithInputAsync(home.Path, environment, Limit, input, "statusline"),
            CliRunner.RunWithInputAsync(home.Path, environment, Limit, input, "statusline"),
            CliRunner.RunAsync(home.Path, environment, Limit, "sync"));
        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.Error));

        var stored = await CliRunner.RunAsync(home.Path, environment, "session", "--no-sync", "--format", "json");
        var total = JsonDocument.Parse(stored.Out).RootElement.GetProperty("total");
        Assert.Equal((301L, expected), (total.GetProperty("records").GetInt64(), total.GetProperty("totalTokens").GetInt64()));
    }

    [Fact]
    public async Task A_sync_cut_off_at_its_deadline_answers_from_what_is_stored_and_a_later_sync_stores_each_response_once()
    {
        using var home = new TempDirectory();
        var lines = Enumerable.Range(0, 200).Select(i => BlocksCliTests.Line("sess-a", $"a{i}", "2026-03-01T10:20:00.000Z", 1000, 10)).ToArray();
        var transcript = Transcript(home, "sess-a", lines);
        // A deadline of 0 ms: the status line never waits for its sync, cuts it off and says so.
        var environment = new Dictionary<string, string?>(Environment(home, "2026-03-01T11:20:00Z")) { ["TOKENTRACE_STATUSLINE_SYNC_MS"] = "0" };

        var line = await Statusline(home, environment, RealInput("sess-a", transcript));
        Assert.StartsWith("Opus 4.1 | session $", line, StringComparison.Ordinal);
        Assert.EndsWith(" | catching up", line, StringComparison.Ordinal);

        var sync = await CliRunner.RunAsync(home.Path, environment, "sync", "--format", "json");
        Assert.True(sync.ExitCode == 0, sync.Error);
        var stored = await CliRunner.RunAsync(home.Path, environment, "session", "--no-sync", "--format", "json");
        var total = JsonDocument.Parse(stored.Out).RootElement.GetProperty("total");
        Assert.Equal((200L, 200L * 1010), (total.GetProperty("records").GetInt64(), total.GetProperty("totalTokens").GetInt64()));
    }

    private static async Task<string> Statusline(TempDirectory home, Dictionary<string, string?> environment, string input)
    {
        var run = await CliRunner.RunWithInputAsync(home.Path, environment, Limit, input, "statusline", "--tz", "UTC");
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("   at ", run.Out + run.Error, StringComparison.Ordinal);
        var line = Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return line;
    }

    /// <summary>Claude Code's real statusLine input with this test's session and transcript.</summary>
    private static string RealInput(string session, string transcript)
    {
        var path = SharedData.Find("claude-code/statusline-input.json");
        Assert.True(path is not null, "../shared/data/claude-code/statusline-input.json is missing");
        var input = JsonNode.Parse(File.ReadAllText(path!))!;
        input["session_id"] = session;
        input["transcript_path"] = transcript;
        return input.ToJsonString();
    }

    private static string Transcript(TempDirectory home, string session, params string[] lines)
    {
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-w-" + session)).FullName;
        var path = Path.Combine(folder, session + ".jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>The agents' folders in the temp home, a fixed clock, no colour, no background sync, and a sync deadline no machine load can reach.</summary>
    private static Dictionary<string, string?> Environment(TempDirectory home, string now) => new(BlocksCliTests.Environment(home))
    {
        ["TOKENTRACE_NOW"] = now,
        ["NO_COLOR"] = "1",
        ["TOKENTRACE_STATUSLINE_SYNC_MS"] = "60000",
    };
}
