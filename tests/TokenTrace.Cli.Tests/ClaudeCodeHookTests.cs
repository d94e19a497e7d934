using System.Text.Json;
using System.Text.Json.Nodes;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// <c>tokentrace hook claude-code</c> in its own process, fed what Claude Code writes to a hook's standard input (the
/// samples in ../shared/data/claude-code/hooks, their session, transcript and folder pointed at a temp folder).
/// </summary>
public sealed class ClaudeCodeHookTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    // session-alpha.jsonl, by hand: three responses, none with a stop_reason.
    //   msg-alpha-1 sonnet-4: input 100, output 50, cache write 25, cache read 10 → 185
    //   msg-alpha-2 opus-4:   input 200, output 75, cache write 50, cache read 20 → 345
    //   msg-alpha-3 sonnet-4: input 300, output 125, cache write 0, cache read 40 → 465
    private const long AlphaTokens = 185 + 345 + 465;

    [Fact]
    public async Task Each_sample_event_exits_0_Stop_leaves_the_unfinished_last_response_and_SessionEnd_takes_it()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "7f1c9a52-0d1e-4b7a-9c3e-1d2f3a4b5c6d");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));

        var start = await session.RunAsync("session-start.json");
        Assert.True(start.ExitCode == 0, start.Error);
        Assert.Equal("", start.Out); // SessionStart's stdout goes into the model's context: nothing is said there

        var prompt = await session.RunAsync("user-prompt-submit.json");
        Assert.True(prompt.ExitCode == 0, prompt.Error);
        Assert.Equal("", prompt.Out);

        foreach (var sample in new[] { "stop.json", "subagent-stop.json" })
        {
            var run = await session.RunAsync(sample);
            Assert.True(run.ExitCode == 0, run.Error);
        }

        Assert.Equal(185 + 345, await session.StoredTokensAsync()); // the last response has no stop_reason: not stored yet
        var end = await session.RunAsync("session-end.json");
        Assert.True(end.ExitCode == 0, end.Error);
        Assert.Contains("Claude Code session " + session.Id, end.Out, StringComparison.Ordinal);
        Assert.Equal(AlphaTokens, await session.StoredTokensAsync());
    }

    [Fact]
    public async Task Stop_syncs_running_totals_but_leaves_a_last_response_without_stop_reason_for_later()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "stop-session");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));

        var stop = await session.RunAsync("stop.json");
        Assert.True(stop.ExitCode == 0, stop.Error);
        // The transcript can lag a Stop hook: its last response (no stop_reason yet) may still grow, so only the first two count.
        Assert.Equal(185 + 345, await session.StoredTokensAsync());
    }

    [Fact]
    public async Task A_hard_budget_already_spent_refuses_the_prompt_with_exit_2_naming_budget_spend_and_limit()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "spent-session");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));
        session.WriteConfig($"""
            budgets:
              - name: alpha-cap
                limit: {AlphaTokens}
                unit: tokens
                period: total
                mode: hard
                scope: {"{"} source: claude-code, session: spent-session {"}"}
            """);

        var run = await session.RunAsync("user-prompt-submit.json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Contains("hard budget 'alpha-cap'", run.Error, StringComparison.Ordinal);
        Assert.Contains("has spent 995 tokens of its 995 tokens limit", run.Error, StringComparison.Ordinal);
        Assert.Contains("never resets", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_budget_with_spend_under_its_limit_lets_the_prompt_through()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "under-session");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));
        session.WriteConfig($"""
            budgets:
              - name: alpha-cap
                limit: {AlphaTokens + 1}
                unit: tokens
                period: total
                mode: hard
                scope: {"{"} source: claude-code, session: under-session {"}"}
            """);

        var run = await session.RunAsync("user-prompt-submit.json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Usage_written_just_before_the_prompt_and_not_yet_synced_is_counted_without_being_stored_and_refuses_it()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "lag-session", cwd: "/w/app");
        session.WriteTranscript([Line("lag-session", "m1", 600, 100, "\"end_turn\"")]);
        // A project budget of 1,000 tokens a day in UTC: 700 spent so far.
        session.WriteConfig("""
            budgets:
              - name: app-daily
                limit: 1000
                unit: tokens
                period: daily
                mode: hard
                scope: { project: /w/app }
            """);
        var first = await session.RunAsync("user-prompt-submit.json");
        Assert.True(first.ExitCode == 0, first.Error);

        // The answer to that prompt lands in the transcript (Claude Code writes its lines without a stop_reason), and the
        // next prompt comes before any sync: 700 + 250 + 80 = 1,030 tokens.
        session.AppendTranscript(Line("lag-session", "m2", 250, 80, "null"));
        var second = await session.RunAsync("user-prompt-submit.json");

        Assert.Equal(2, second.ExitCode);
        Assert.Contains("hard budget 'app-daily' (project=/w/app, daily) has spent 1,030 tokens of its 1,000 tokens limit; it resets at ", second.Error, StringComparison.Ordinal);
        // Counted, not stored: without a stop_reason the answer may still grow, and a usage once stored is never replaced.
        Assert.Equal(700, await session.StoredTokensAsync());
    }

    [Fact]
    public async Task A_budget_on_another_project_or_a_soft_one_does_not_refuse()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "scope-session", cwd: "/w/app");
        session.WriteTranscript([Line("scope-session", "m1", 600, 100, "\"end_turn\"")]);
        session.WriteConfig("""
            budgets:
              - name: other-project
                limit: 1
                unit: tokens
                period: total
                mode: hard
                scope: { project: /w/other }
              - name: soft-cap
                limit: 1
                unit: tokens
                period: total
                mode: soft
            """);

        var run = await session.RunAsync("user-prompt-submit.json");

        Assert.True(run.ExitCode == 0, run.Error);
    }

    [Fact]
    public async Task A_sync_that_cannot_finish_in_time_stops_and_the_budget_is_checked_on_what_is_stored()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "locked-session");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));
        var end = await session.RunAsync("session-end.json"); // stores all three responses (995 tokens)
        Assert.True(end.ExitCode == 0, end.Error);
        session.WriteConfig($"""
            budgets:
              - name: alpha-cap
                limit: {AlphaTokens}
                unit: tokens
                period: total
                mode: hard
                scope: {"{"} session: locked-session {"}"}
            """);

        // Another sync of this ledger holds its lock (a long first sync in another terminal) for as long as the hook runs.
        var cursors = Assert.Single(Directory.GetFiles(Path.Combine(home.Path, "agents"), "cursors-*.json"));
        using (await FileLedgerLock.AcquireAsync(cursors + ".lock", TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            // The sync gets 75 % of the timeout, the budget check the rest: 8 s leaves the check 2 s even when a loaded CI
            // machine starts the process slowly (with 2 s the watchdog sometimes failed open first, exit 0).
            var run = await session.RunAsync("user-prompt-submit.json", "--timeout", "8");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("sync not finished in the time it has (--timeout 8 s); going on with what is stored", run.Error, StringComparison.Ordinal);
            Assert.Contains("hard budget 'alpha-cap'", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SessionEnd_saves_a_summary_whose_numbers_are_the_transcripts_sums()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "summary-session");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));

        var run = await session.RunAsync("session-end.json");

        Assert.True(run.ExitCode == 0, run.Error);
        var path = Path.Combine(home.Path, "sessions", "summary-session.json");
        Assert.Contains("Saved: " + path, run.Out, StringComparison.Ordinal);
        using var saved = JsonDocument.Parse(File.ReadAllText(path));
        var root = saved.RootElement;
        Assert.Equal(("summary-session", "prompt_input_exit"), (root.GetProperty("sessionId").GetString(), root.GetProperty("reason").GetString()));
        var total = root.GetProperty("total");
        Assert.Equal(
            (3L, 100L + 200 + 300, 50L + 75 + 125, 10L + 20 + 40, 25L + 50 + 0, AlphaTokens),
            (total.GetProperty("records").GetInt64(), total.GetProperty("inputTokens").GetInt64(), total.GetProperty("outputTokens").GetInt64(),
             total.GetProperty("cacheReadTokens").GetInt64(), total.GetProperty("cacheWriteTokens").GetInt64(), total.GetProperty("totalTokens").GetInt64()));
        // Anthropic's list prices per million tokens (input / output / 5-minute cache write / cache read):
        // Sonnet 4 $3 / $15 / $3.75 / $0.30, Opus 4 $15 / $75 / $18.75 / $1.50.
        var sonnet = (400 * 3m + 175 * 15m + 25 * 3.75m + 50 * 0.30m) / 1_000_000m;
        var opus = (200 * 15m + 75 * 75m + 50 * 18.75m + 20 * 1.50m) / 1_000_000m;
        Assert.Equal(sonnet + opus, total.GetProperty("costUsd").GetDecimal());
        var co2e = (Low: total.GetProperty("co2eGramsLow").GetDouble(), Central: total.GetProperty("co2eGrams").GetDouble(), High: total.GetProperty("co2eGramsHigh").GetDouble());
        Assert.True(co2e.Low > 0 && co2e.Low < co2e.Central && co2e.Central < co2e.High, $"CO2e range {co2e}");
        Assert.True(total.GetProperty("energyWhLow").GetDouble() < total.GetProperty("energyWhHigh").GetDouble());

        // Models by cost: Opus first although Sonnet has more tokens.
        var models = root.GetProperty("models").EnumerateArray().Select(m => (m.GetProperty("model").GetString(), m.GetProperty("totalTokens").GetInt64())).ToList();
        Assert.Equal([("claude-opus-4-20250514", 345L), ("claude-sonnet-4-20250514", 185L + 465)], models);
        Assert.Contains("Top models: claude-opus-4-20250514", run.Out, StringComparison.Ordinal);
        var markdown = File.ReadAllText(Path.Combine(home.Path, "sessions", "summary-session.md"));
        Assert.Contains("| claude-opus-4-20250514 | 1 | 345 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| claude-sonnet-4-20250514 | 2 | 650 |", markdown, StringComparison.Ordinal);
        Assert.Contains("CO2e: ", run.Out, StringComparison.Ordinal);

        // Owner-only, as the ledger and the cursors: a summary names the user's projects and what they spent.
        if (!OperatingSystem.IsWindows())
        {
            var others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            foreach (var file in new[] { Path.Combine(home.Path, "sessions"), path, Path.ChangeExtension(path, ".md") })
            {
                Assert.True((File.GetUnixFileMode(file) & others) == 0, $"{file} is {File.GetUnixFileMode(file)}");
            }
        }
    }

    [Fact]
    public async Task A_transcript_outside_the_folders_sync_knows_is_still_read_for_its_session()
    {
        using var home = new TempDirectory();
        // Claude Code ran with another CLAUDE_CONFIG_DIR than the hook sees: the transcript is in <elsewhere>/projects/<p>/.
        var elsewhere = Path.Combine(home.Path, "other-claude", "projects", "-w-app", "s.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(elsewhere)!);
        File.WriteAllLines(elsewhere, File.ReadAllLines(Sample("session-alpha.jsonl")));
        var input = JsonNode.Parse(File.ReadAllText(Sample("session-end.json")))!.AsObject();
        input["transcript_path"] = elsewhere;

        var run = await CliRunner.RunWithInputAsync(home.Path, HookSession.Environment(home), Limit, input.ToJsonString(), "hook", "claude-code");

        Assert.True(run.ExitCode == 0, run.Error);
        using var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(home.Path, "sessions", "session-alpha.json")));
        Assert.Equal(AlphaTokens, saved.RootElement.GetProperty("total").GetProperty("totalTokens").GetInt64());
    }

    [Fact]
    public async Task A_session_id_that_is_a_path_cannot_write_outside_the_sessions_folder()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "../../escape/evil");

        var run = await session.RunAsync("session-end.json");

        Assert.True(run.ExitCode == 0, run.Error);
        var written = Directory.GetFiles(Path.Combine(home.Path, "sessions")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, written.Count);
        Assert.All(written, name => Assert.Matches("^______escape_evil-[0-9a-f]{12}\\.(json|md)$", name));
        Assert.False(Directory.Exists(Path.Combine(home.Path, "..", "escape")));
    }

    [Theory]
    [InlineData("{\"hook_event_name\":\"UserPromptSubmit\",", "not valid JSON")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"hook_event_name\":\"UserPromptSubmit\"}", "field 'session_id' is missing")]
    [InlineData("{\"hook_event_name\":\"Stop\",\"session_id\":42}", "field 'session_id' is number")]
    [InlineData("", "not valid JSON")]
    public async Task Malformed_input_is_one_line_on_stderr_and_exit_0(string stdin, string expected)
    {
        using var home = new TempDirectory();

        var run = await CliRunner.RunWithInputAsync(home.Path, HookSession.Environment(home), Limit, stdin, "hook", "claude-code");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Out);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tokentrace hook claude-code: standard input: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_transcript_is_noted_and_the_prompt_goes_on()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "no-transcript");

        var run = await session.RunAsync("user-prompt-submit.json");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("does not exist (yet)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_config_file_fails_open_the_prompt_goes_on()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "broken-config");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));
        session.WriteConfig("budgets:\n  - name: x\n    limit: [not a number\n");

        var run = await session.RunAsync("user-prompt-submit.json");

        Assert.Equal(0, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("config.yaml", line, StringComparison.Ordinal);
        Assert.Contains("nothing done", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_it_does_not_handle_does_nothing_and_exits_0()
    {
        using var home = new TempDirectory();
        var input = """{"hook_event_name":"PreToolUse","session_id":"s","transcript_path":"/nowhere/s.jsonl","cwd":"/w","tool_name":"Bash"}""";

        var run = await CliRunner.RunWithInputAsync(home.Path, HookSession.Environment(home), Limit, input, "hook", "claude-code");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("'PreToolUse' is not one this hook handles", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(home.Path, "usage.db")));
    }

    [Theory]
    [InlineData("--timeout", "1,5")]
    [InlineData("--ledger")]
    [InlineData("--format", "yaml")]
    public async Task A_command_line_that_does_not_parse_is_one_stderr_line_and_exit_0_never_a_refusal(params string[] options)
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "bad-options");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));
        session.WriteConfig("""
            budgets:
              - name: cap
                limit: 1
                unit: tokens
                period: total
                mode: hard
            """);

        var run = await session.RunAsync("user-prompt-submit.json", options);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Out);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tokentrace hook claude-code: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flag_this_version_does_not_know_is_noted_and_the_hook_still_refuses_over_budget()
    {
        using var home = new TempDirectory();
        var session = new HookSession(home, "newer-plugin");
        session.WriteTranscript(File.ReadAllLines(Sample("session-alpha.jsonl")));
        session.WriteConfig($"""
            budgets:
              - name: alpha-cap
                limit: {AlphaTokens}
                unit: tokens
                period: total
                mode: hard
            """);

        var run = await session.RunAsync("user-prompt-submit.json", "--from-a-newer-plugin", "x");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--from-a-newer-plugin x", run.Error, StringComparison.Ordinal);
        Assert.Contains("hard budget 'alpha-cap'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_copied_into_another_sessions_transcript_is_counted_once_by_the_budget_check()
    {
        using var home = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-home-dev-app")).FullName;
        // Claude Code copies a response (same message and request id) into the transcript of a session it continues.
        File.WriteAllLines(Path.Combine(folder, "s-old.jsonl"), [Line("s-old", "m1", 900, 100, "\"end_turn\"")]);
        File.WriteAllLines(Path.Combine(folder, "s-new.jsonl"), [Line("s-new", "m1", 900, 100, "\"end_turn\""), Line("s-new", "m2", 90, 10, "\"end_turn\"")]);
        File.WriteAllText(Path.Combine(home.Path, "config.yaml"), """
            budgets:
              - name: cap
                limit: 1500
                unit: tokens
                period: total
                mode: hard
                scope: { source: claude-code }
            """);
        var environment = HookSession.Environment(home);
        var sync = await CliRunner.RunAsync(home.Path, environment, "sync");
        Assert.True(sync.ExitCode == 0, sync.Error);

        // 1,000 + 100 tokens are spent, under 1,500, whichever session the copy is stored under.
        foreach (var id in new[] { "s-old", "s-new" })
        {
            var input = JsonNode.Parse(File.ReadAllText(Sample("user-prompt-submit.json")))!.AsObject();
            input["session_id"] = id;
            input["transcript_path"] = Path.Combine(folder, id + ".jsonl");
            input["cwd"] = "/w/app";
            var run = await CliRunner.RunWithInputAsync(home.Path, environment, Limit, input.ToJsonString(), "hook", "claude-code");
            Assert.True(run.ExitCode == 0, $"{id}: {run.Error}");
        }
    }

    internal static string Sample(string name)
    {
        var path = SharedData.Find("claude-code/" + name) ?? SharedData.Find("claude-code/hooks/" + name);
        Assert.True(path is not null, $"../shared/data/claude-code/{name} (or hooks/{name}) is missing");
        return path;
    }

    internal static string Line(string session, string message, long input, long output, string stop) =>
        $$"""{"timestamp":"{{DateTimeOffset.UtcNow.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}}","sessionId":"{{session}}","cwd":"/w/app","type":"assistant","message":{"id":"{{message}}","model":"claude-sonnet-4-5-20250929","role":"assistant","stop_reason":{{stop}},"usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";

    /// <summary>One Claude Code session in a temp home: its transcript under CLAUDE_CONFIG_DIR, and the hook samples rewritten to point at it.</summary>
    internal sealed class HookSession(TempDirectory home, string id, string cwd = "/home/dev/app")
    {
        public string Id => id;

        public string Transcript { get; } = Path.Combine(home.Path, "claude", "projects", "-home-dev-app", "transcript.jsonl");

        public static Dictionary<string, string?> Environment(TempDirectory home) => new()
        {
            ["HOME"] = home.Path,
            ["CLAUDE_CONFIG_DIR"] = Path.Combine(home.Path, "claude"),
            ["CODEX_HOME"] = Path.Combine(home.Path, "codex"),
            ["GEMINI_DATA_DIR"] = Path.Combine(home.Path, "gemini"),
            ["CLAUDE_CODE_SESSION_ID"] = null,
        };

        public void WriteTranscript(IEnumerable<string> lines)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Transcript)!);
            File.WriteAllLines(Transcript, lines.Select(l => l.Replace("\"session-alpha\"", "\"" + id + "\"", StringComparison.Ordinal)));
        }

        public void AppendTranscript(string line) => File.AppendAllLines(Transcript, [line]);

        public void WriteConfig(string yaml) => File.WriteAllText(Path.Combine(home.Path, "config.yaml"), yaml);

        public Task<(int ExitCode, string Out, string Error)> RunAsync(string sample, params string[] options)
        {
            var input = JsonNode.Parse(File.ReadAllText(Sample(sample)))!.AsObject();
            input["session_id"] = id;
            input["transcript_path"] = Transcript;
            input["cwd"] = cwd;
            return CliRunner.RunWithInputAsync(home.Path, Environment(home), Limit, input.ToJsonString(), ["hook", "claude-code", .. options]);
        }

        public async Task<long> StoredTokensAsync()
        {
            var summary = await CliRunner.RunAsync(home.Path, Environment(home), "summary", "--session", id, "--format", "json");
            Assert.True(summary.ExitCode == 0, summary.Error);
            return JsonDocument.Parse(summary.Out).RootElement.GetProperty("total").GetProperty("totalTokens").GetInt64();
        }
    }
}
