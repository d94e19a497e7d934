using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// <c>tokentrace hook kiro</c> as Kiro runs it: the real program in its own process, in a workspace folder, with the
/// prompt in <c>USER_PROMPT</c>. Expected token counts are o200k_base counts worked out by hand: in that encoding
/// "hello", " hello" and " world" are one token each, and "Hello, world!" is "Hello" "," " world" "!".
/// </summary>
public sealed class KiroHookTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("hello world", 2)]
    [InlineData("Hello, world!", 4)]
    [InlineData("hello world hello world hello world", 6)]
    [InlineData("", 0)]
    public async Task Prompt_submit_records_the_prompts_o200k_token_count_as_estimated_input(string prompt, long expected)
    {
        using var home = new TempDirectory();
        var run = await Hook(home, prompt, "--event", "promptSubmit", "--hook-name", "token-tracking");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Out);
        Assert.Equal("", run.Error);

        var record = Assert.Single(await RecordsAsync(home));
        Assert.Equal(expected, record.GetProperty("input").GetInt64());
        Assert.Equal(0, record.GetProperty("output").GetInt64());
        Assert.Equal("kiro", record.GetProperty("source").GetString());
        Assert.Equal("kiro", record.GetProperty("model").GetString());
        Assert.Equal(Path.GetFileName(home.Path), record.GetProperty("project").GetString());
        var tags = record.GetProperty("tags");
        Assert.Equal("o200k_base", tags.GetProperty("estimate").GetString());
        Assert.Equal("promptSubmit", tags.GetProperty("trigger").GetString());
        Assert.Equal("token-tracking", tags.GetProperty("hook").GetString());
        Assert.Equal(home.Path, tags.GetProperty("workspace").GetString());
        Assert.False(tags.TryGetProperty("error", out _));
        // Kiro bills credits and does not say which model answered: no price, rather than a guessed one.
        Assert.False(record.TryGetProperty("costUsd", out _));
    }

    [Fact]
    public async Task A_prompt_of_ten_thousand_tokens_is_counted_whole()
    {
        using var home = new TempDirectory();
        // "hello" then 4,999 × " world hello" then " world": 5,000 pairs of one-token words.
        var prompt = "hello" + string.Concat(Enumerable.Repeat(" world hello", 4_999)) + " world";
        var run = await Hook(home, prompt, "--event", "promptSubmit");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(10_000, Assert.Single(await RecordsAsync(home)).GetProperty("input").GetInt64());
    }

    [Fact]
    public async Task Agent_stop_after_prompt_submit_records_the_turns_elapsed_time()
    {
        using var home = new TempDirectory();
        var clock = Stopwatch.StartNew();
        var submit = await Hook(home, "hello world", "--event", "promptSubmit", "--hook-name", "token-tracking");
        // Spelled by hand in another case, the trigger still pairs with its prompt.
        var stop = await Hook(home, null, "--event", "AgentStop", "--hook-name", "token-tracking-stop");
        var wall = clock.Elapsed.TotalMilliseconds;
        Assert.True(submit.ExitCode == 0 && stop.ExitCode == 0, submit.Error + stop.Error);
        Assert.Equal("", submit.Error + stop.Error);

        var records = await RecordsAsync(home);
        Assert.Equal(2, records.Count);
        var submitted = records.Single(r => Tag(r, "trigger") == "promptSubmit");
        var stopped = records.Single(r => Tag(r, "trigger") == "agentStop");
        Assert.Equal(Tag(submitted, "turn"), Tag(stopped, "turn"));
        Assert.Equal("token-tracking-stop", Tag(stopped, "hook"));
        Assert.Equal("ok", stopped.GetProperty("status").GetString());
        Assert.Equal(0, stopped.GetProperty("input").GetInt64());
        Assert.Null(Tag(stopped, "error"));

        // The elapsed time is the distance between the two stored timestamps, and within the time both processes took.
        var latency = stopped.GetProperty("latencyMs").GetDouble();
        var between = (Timestamp(stopped) - Timestamp(submitted)).TotalMilliseconds;
        Assert.InRange(latency, between - 1, between + 1);
        Assert.InRange(latency, 0, wall);
        Assert.Empty(Directory.GetFiles(Path.Combine(home.Path, "kiro")));
    }

    [Fact]
    public async Task Agent_stop_without_a_prompt_submit_is_recorded_with_an_error_and_no_elapsed_time()
    {
        using var home = new TempDirectory();
        var run = await Hook(home, null, "--event", "agentStop");
        Assert.True(run.ExitCode == 0, run.Error);

        var record = Assert.Single(await RecordsAsync(home));
        Assert.Equal("no-promptSubmit", Tag(record, "error"));
        Assert.False(record.TryGetProperty("latencyMs", out _));
    }

    [Fact]
    public async Task A_second_prompt_before_the_agent_stopped_says_the_previous_turn_is_unfinished()
    {
        using var home = new TempDirectory();
        await Hook(home, "hello", "--event", "promptSubmit");
        await Hook(home, "hello world", "--event", "promptSubmit");
        await Hook(home, null, "--event", "agentStop");

        var records = await RecordsAsync(home);
        var second = records.Single(r => r.GetProperty("input").GetInt64() == 2);
        Assert.Equal("previous-turn-unfinished", Tag(second, "error"));
        // The stop belongs to the second turn, the one still open.
        Assert.Equal(Tag(second, "turn"), Tag(records.Single(r => Tag(r, "trigger") == "agentStop"), "turn"));
    }

    [Fact]
    public async Task The_kiro_config_section_writes_a_csv_ledger_that_summary_reads_and_prices_a_named_model()
    {
        using var home = new TempDirectory();
        var csv = home.File("kiro-usage.csv");
        File.WriteAllText(home.File("config.yaml"), $"kiro:\n  ledger: csv:{csv}\n  model: gpt-4o\n");
        var run = await Hook(home, "hello world", "--event", "promptSubmit");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Error);
        Assert.False(File.Exists(home.File("usage.db")));
        Assert.StartsWith("id,", File.ReadLines(csv).First(), StringComparison.Ordinal);

        var summary = await CliRunner.RunAsync(home.Path, "summary", "--ledger", "csv:" + csv, "--format", "json");
        Assert.True(summary.ExitCode == 0, summary.Error);
        var total = JsonDocument.Parse(summary.Out).RootElement.GetProperty("total");
        Assert.Equal(1, total.GetProperty("records").GetInt64());
        Assert.Equal(2, total.GetProperty("inputTokens").GetInt64());
        // 2 tokens at gpt-4o's $2.50 per million input tokens.
        Assert.Equal(0.000005m, total.GetProperty("costUsd").GetDecimal());
    }

    [Fact]
    public async Task The_ledger_option_wins_over_the_config_section()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.yaml"), $"kiro:\n  ledger: csv:{home.File("from-config.csv")}\n");
        var run = await Hook(home, "hello world", "--event", "promptSubmit", "--ledger", "csv:" + home.File("from-option.csv"));
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(File.Exists(home.File("from-option.csv")));
        Assert.False(File.Exists(home.File("from-config.csv")));
    }

    [Fact]
    public async Task Disabled_in_config_records_nothing_and_exits_0()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.yaml"), "kiro:\n  enabled: false\n");
        var run = await Hook(home, "hello world", "--event", "promptSubmit");
        Assert.Equal((0, "", ""), (run.ExitCode, run.Out, run.Error));
        Assert.False(File.Exists(home.File("usage.db")));
        Assert.False(Directory.Exists(Path.Combine(home.Path, "kiro")));
    }

    [Theory]
    [InlineData("kiro:\n  enabled: maybe\n", "'kiro.enabled'")]
    [InlineData("kiro:\n  ledger: nowhere\n", "kiro.ledger")]
    [InlineData("kiro: [unclosed\n", "not valid YAML")]
    public async Task A_broken_config_exits_0_with_one_stderr_line_naming_the_file(string config, string expected)
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.yaml"), config);
        var run = await Hook(home, "hello world", "--event", "promptSubmit");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Out);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("config.yaml", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(File.Exists(home.File("usage.db")));
    }

    [Fact]
    public async Task An_unwritable_ledger_exits_0_with_one_stderr_line()
    {
        using var home = new TempDirectory();
        // A folder cannot be made under a regular file, whoever runs the test (root included).
        File.WriteAllText(home.File("a-file"), "");
        var run = await Hook(home, "hello world", "--event", "promptSubmit", "--ledger", "csv:" + Path.Combine(home.File("a-file"), "sub", "usage.csv"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Out);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tokentrace hook kiro: ", line, StringComparison.Ordinal);
        Assert.EndsWith("nothing recorded", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ledger_locked_by_another_process_makes_the_hook_give_up_after_its_time_limit_not_the_locks()
    {
        using var home = new TempDirectory();
        var csv = home.File("usage.csv");
        // Held here, in the test's process, the lock blocks the hook's process as another writer would (30 s lock timeout).
        using var held = await FileLedgerLock.AcquireAsync(csv + ".lock", TimeSpan.FromSeconds(5), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var run = await Hook(home, "hello world", "--event", "promptSubmit", "--ledger", "csv:" + csv);
        Assert.Equal((0, ""), (run.ExitCode, run.Out));
        Assert.Contains("gave up after 5 s; nothing recorded", run.Error, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 5, 25);
    }

    [Fact]
    public async Task Unknown_arguments_or_no_trigger_never_fail_the_agent()
    {
        using var home = new TempDirectory();
        var stray = await Hook(home, null, "--event", "agentStop", "--colour", "blue");
        Assert.Equal((0, ""), (stray.ExitCode, stray.Out));
        Assert.Contains("--colour blue", stray.Error, StringComparison.Ordinal);
        Assert.Single(await RecordsAsync(home));

        foreach (var args in new[] { new[] { "--event", "agentStop", "--ledger" }, ["--event", "agentStop", "--format", "bogus"] })
        {
            var unparsed = await Hook(home, null, args);
            Assert.Equal((0, ""), (unparsed.ExitCode, unparsed.Out));
            Assert.StartsWith("tokentrace hook kiro: ", Assert.Single(unparsed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        }

        var unknown = await Hook(home, null);
        Assert.Equal((0, ""), (unknown.ExitCode, unknown.Out));
        Assert.Contains("--event", unknown.Error, StringComparison.Ordinal);
        Assert.Single(await RecordsAsync(home));
    }

    [Fact]
    public async Task The_shipped_hook_files_are_run_command_hooks_for_prompt_submit_and_agent_stop_that_the_cli_runs()
    {
        var folder = Path.Combine(RepositoryRoot(), "integrations", "kiro", ".kiro", "hooks");
        var hooks = Directory.GetFiles(folder, "*.kiro.hook").Order(StringComparer.Ordinal).ToList();
        var commands = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in hooks)
        {
            Assert.DoesNotContain("askAgent", File.ReadAllText(file), StringComparison.Ordinal);
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            var hook = document.RootElement;
            Assert.True(hook.GetProperty("enabled").GetBoolean(), file);
            Assert.False(string.IsNullOrWhiteSpace(hook.GetProperty("name").GetString()), file);
            Assert.False(string.IsNullOrWhiteSpace(hook.GetProperty("description").GetString()), file);
            Assert.False(string.IsNullOrWhiteSpace(hook.GetProperty("version").GetString()), file);
            Assert.Equal("runCommand", hook.GetProperty("then").GetProperty("type").GetString());
            commands.Add(hook.GetProperty("when").GetProperty("type").GetString()!, hook.GetProperty("then").GetProperty("command").GetString()!);
        }

        Assert.Equal(["agentStop", "promptSubmit"], commands.Keys.Order(StringComparer.Ordinal));

        // Each command as Kiro runs it (in the workspace, the prompt in USER_PROMPT): the program is `tokentrace`, and the
        // run prints nothing, because Kiro would add standard output to the agent's context.
        using var home = new TempDirectory();
        foreach (var trigger in new[] { "promptSubmit", "agentStop" })
        {
            var words = commands[trigger].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("tokentrace", words[0]);
            var run = await CliRunner.RunAsync(home.Path, Environment(trigger == "promptSubmit" ? "hello world" : null), Limit, words[1..]);
            Assert.Equal((0, "", ""), (run.ExitCode, run.Out, run.Error));
        }

        var records = await RecordsAsync(home);
        Assert.Equal(2, records.Count);
        Assert.Equal(2, records.Single(r => Tag(r, "trigger") == "promptSubmit").GetProperty("input").GetInt64());
        Assert.True(records.Single(r => Tag(r, "trigger") == "agentStop").TryGetProperty("latencyMs", out _));
        Assert.All(records, r => Assert.Null(Tag(r, "error")));
    }

    /// <summary>Runs the hook in <paramref name="home"/> (also the workspace, as Kiro runs commands in the workspace folder).</summary>
    private static Task<(int ExitCode, string Out, string Error)> Hook(TempDirectory home, string? prompt, params string[] args) =>
        CliRunner.RunAsync(home.Path, Environment(prompt), Limit, ["hook", "kiro", .. args]);

    private static Dictionary<string, string?> Environment(string? prompt) => new() { ["USER_PROMPT"] = prompt, ["TOKENTRACE_CONFIG"] = null };

    private static async Task<List<JsonElement>> RecordsAsync(TempDirectory home)
    {
        var export = await CliRunner.RunAsync(home.Path, "export", "--to", "jsonl");
        Assert.True(export.ExitCode == 0, export.Error);
        return [.. export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
    }

    private static string? Tag(JsonElement record, string key) =>
        record.TryGetProperty("tags", out var tags) && tags.TryGetProperty(key, out var value) ? value.GetString() : null;

    private static DateTimeOffset Timestamp(JsonElement record) =>
        DateTimeOffset.Parse(record.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "TokenTrace.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (TokenTrace.slnx) is not above " + AppContext.BaseDirectory);
    }
}
