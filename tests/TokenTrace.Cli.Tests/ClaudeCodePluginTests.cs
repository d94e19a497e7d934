using System.Text.Json;
using System.Text.RegularExpressions;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// The Claude Code plugin in integrations/: its files are what Claude Code reads (plugin manifest, marketplace, hooks,
/// slash commands), and every command line in them is a valid <c>tokentrace</c> command.
/// </summary>
public sealed partial class ClaudeCodePluginTests
{
    // Claude Code's hook events, spelled as its hooks reference spells them.
    private static readonly HashSet<string> HookEvents =
    [
        "PreToolUse", "PostToolUse", "Notification", "UserPromptSubmit", "Stop", "SubagentStop", "PreCompact", "SessionStart", "SessionEnd",
    ];

    private static readonly string Integrations = FindIntegrations();

    private static string Plugin => Path.Combine(Integrations, "claude-code");

    [Fact]
    public void The_manifest_names_the_plugin_in_kebab_case_with_a_version_and_description()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Plugin, ".claude-plugin", "plugin.json")));
        var root = manifest.RootElement;
        Assert.Matches(KebabCase(), root.GetProperty("name").GetString()!);
        Assert.Matches("^[0-9]+\\.[0-9]+\\.[0-9]+$", root.GetProperty("version").GetString()!);
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("description").GetString()));
    }

    [Fact]
    public void The_marketplace_lists_the_plugin_by_its_manifest_name_at_a_folder_that_has_the_manifest()
    {
        using var marketplace = JsonDocument.Parse(File.ReadAllText(Path.Combine(Integrations, ".claude-plugin", "marketplace.json")));
        var root = marketplace.RootElement;
        Assert.Matches(KebabCase(), root.GetProperty("name").GetString()!);
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("owner").GetProperty("name").GetString()));
        var entry = Assert.Single(root.GetProperty("plugins").EnumerateArray());
        var source = entry.GetProperty("source").GetString()!;
        Assert.StartsWith("./", source, StringComparison.Ordinal);
        var manifest = Path.Combine(Integrations, source, ".claude-plugin", "plugin.json");
        Assert.True(File.Exists(manifest), manifest);
        using var plugin = JsonDocument.Parse(File.ReadAllText(manifest));
        Assert.Equal(plugin.RootElement.GetProperty("name").GetString(), entry.GetProperty("name").GetString());
    }

    [Fact]
    public void Hooks_cover_the_five_events_each_a_command_running_the_hook_within_its_timeout()
    {
        using var hooks = JsonDocument.Parse(File.ReadAllText(Path.Combine(Plugin, "hooks", "hooks.json")));
        var events = hooks.RootElement.GetProperty("hooks").EnumerateObject().ToList();
        Assert.Equal(
            ["SessionEnd", "SessionStart", "Stop", "SubagentStop", "UserPromptSubmit"],
            events.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.Contains(e.Name, HookEvents));
        foreach (var hook in events.SelectMany(e => e.Value.EnumerateArray()).SelectMany(m => m.GetProperty("hooks").EnumerateArray()))
        {
            Assert.Equal("command", hook.GetProperty("type").GetString());
            var command = hook.GetProperty("command").GetString()!;
            var match = HookCommandLine().Match(command);
            Assert.True(match.Success, command);
            // The hook stops itself (--timeout) before Claude Code would kill it (timeout, in seconds).
            var own = decimal.Parse(match.Groups["own"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(own < hook.GetProperty("timeout").GetDecimal(), $"--timeout {own} is not below the hook's timeout {hook.GetProperty("timeout")}");
        }
    }

    [Fact]
    public async Task The_hook_command_line_of_hooks_json_runs_as_a_hook()
    {
        using var hooks = JsonDocument.Parse(File.ReadAllText(Path.Combine(Plugin, "hooks", "hooks.json")));
        var command = hooks.RootElement.GetProperty("hooks").GetProperty("UserPromptSubmit")[0].GetProperty("hooks")[0].GetProperty("command").GetString()!;
        using var home = new TempDirectory();
        var input = """{"hook_event_name":"UserPromptSubmit","session_id":"s","transcript_path":"","cwd":"/w","prompt":"hi"}""";

        var run = await CliRunner.RunWithInputAsync(home.Path, Environment(home), TimeSpan.FromSeconds(60), input, Arguments(command));

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Every_slash_command_has_a_description_may_run_only_tokentrace_and_its_command_runs()
    {
        var files = Directory.GetFiles(Path.Combine(Plugin, "commands"), "*.md").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["budgets.md", "carbon.md", "session.md", "today.md"], files.Select(Path.GetFileName));

        using var home = new TempDirectory();
        var environment = Environment(home);
        var transcript = Path.Combine(home.Path, "claude", "projects", "-w-app", "s1.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(transcript)!);
        File.WriteAllLines(transcript, [ClaudeCodeHookTests.Line("s1", "m1", 600, 100, "\"end_turn\"")]);
        environment["CLAUDE_CODE_SESSION_ID"] = "s1";
        File.WriteAllText(Path.Combine(home.Path, "config.yaml"), "budgets:\n  - name: daily-cap\n    limit: 5\n    period: daily\n    mode: hard\n");

        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var front = FrontMatter().Match(text);
            Assert.True(front.Success, $"{file}: no front matter");
            var fields = front.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(fields["description"]), file);
            var allowed = AllowedBash().Match(fields["allowed-tools"]);
            Assert.True(allowed.Success, $"{file}: allowed-tools is {fields["allowed-tools"]}");

            var command = Assert.Single(ShellLine().Matches(text)).Groups[1].Value;
            Assert.StartsWith(allowed.Groups[1].Value, command, StringComparison.Ordinal);
            var run = await CliRunner.RunAsync(home.Path, environment, TimeSpan.FromSeconds(60), Arguments(command));
            Assert.True(run.ExitCode == 0, $"{Path.GetFileName(file)}: `{command}` exited {run.ExitCode}: {run.Error}");
            Assert.True(run.Out.Length > 0, $"{Path.GetFileName(file)}: `{command}` printed nothing; stderr: {run.Error}");
        }
    }

    [Fact]
    public async Task Session_current_is_the_session_Claude_Code_names_else_the_latest_of_this_folder()
    {
        using var home = new TempDirectory();
        var environment = Environment(home);
        var folder = Path.Combine(home.Path, "claude", "projects", "-w-app");
        Directory.CreateDirectory(folder);
        // Two sessions of the project whose folder the command runs in (the temp home, as the runner's working folder).
        File.WriteAllLines(Path.Combine(folder, "a.jsonl"), [Line("a", "ma", "2026-03-01T10:00:00.000Z", home.Path, 100, 10)]);
        File.WriteAllLines(Path.Combine(folder, "b.jsonl"), [Line("b", "mb", "2026-03-02T10:00:00.000Z", home.Path, 200, 20)]);

        var latest = await CliRunner.RunAsync(home.Path, environment, "session", "--current", "--format", "json");
        Assert.True(latest.ExitCode == 0, latest.Error);
        var row = Assert.Single(JsonDocument.Parse(latest.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(("b", 220L), (row.GetProperty("key").GetProperty("session").GetString(), row.GetProperty("totalTokens").GetInt64()));

        environment["CLAUDE_CODE_SESSION_ID"] = "a";
        var named = await CliRunner.RunAsync(home.Path, environment, "session", "--current", "--format", "json");
        row = Assert.Single(JsonDocument.Parse(named.Out).RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(("a", 110L), (row.GetProperty("key").GetProperty("session").GetString(), row.GetProperty("totalTokens").GetInt64()));
    }

    [Fact]
    public async Task Since_today_and_yesterday_are_days_in_the_time_zone_given()
    {
        using var home = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        var at = (Today: now.ToString("O", System.Globalization.CultureInfo.InvariantCulture), Yesterday: now.AddDays(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "100", "--at", at.Today)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "20", "--at", at.Yesterday)).ExitCode);

        var today = await CliRunner.RunAsync(home.Path, "summary", "--since", "today", "--tz", "UTC", "--format", "json");
        var yesterday = await CliRunner.RunAsync(home.Path, "summary", "--since", "yesterday", "--until", "YESTERDAY", "--tz", "UTC", "--format", "json");

        Assert.Equal(100, JsonDocument.Parse(today.Out).RootElement.GetProperty("total").GetProperty("inputTokens").GetInt64());
        Assert.Equal(20, JsonDocument.Parse(yesterday.Out).RootElement.GetProperty("total").GetProperty("inputTokens").GetInt64());
    }

    [Fact]
    public async Task Session_current_with_no_session_for_this_folder_is_exit_2_saying_so()
    {
        using var home = new TempDirectory();

        var run = await CliRunner.RunAsync(home.Path, Environment(home), "session", "--current");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no Claude Code session is recorded for", run.Error, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Environment(TempDirectory home) => new()
    {
        ["HOME"] = home.Path,
        ["CLAUDE_CONFIG_DIR"] = Path.Combine(home.Path, "claude"),
        ["CODEX_HOME"] = Path.Combine(home.Path, "codex"),
        ["GEMINI_DATA_DIR"] = Path.Combine(home.Path, "gemini"),
        ["CLAUDE_CODE_SESSION_ID"] = null,
    };

    /// <summary>A command line's arguments after <c>tokentrace</c> (the plugin's lines have no quoting to undo).</summary>
    private static string[] Arguments(string commandLine)
    {
        var words = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("tokentrace", words[0]);
        Assert.DoesNotContain(words, w => w.IndexOfAny(['"', '\'', '$', '`', '|', ';', '&']) >= 0);
        return words[1..];
    }

    private static string Line(string session, string message, string at, string cwd, long input, long output) =>
        $$"""{"timestamp":"{{at}}","sessionId":"{{session}}","cwd":"{{JsonEncodedText.Encode(cwd)}}","type":"assistant","message":{"id":"{{message}}","model":"claude-sonnet-4-5-20250929","role":"assistant","stop_reason":"end_turn","usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";

    private static string FindIntegrations()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "integrations");
            if (Directory.Exists(Path.Combine(candidate, "claude-code")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("integrations/claude-code not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    [GeneratedRegex(@"^tokentrace hook claude-code --timeout (?<own>[0-9]+(\.[0-9]+)?)$")]
    private static partial Regex HookCommandLine();

    [GeneratedRegex(@"\A---\n(.*?)\n---\n", RegexOptions.Singleline)]
    private static partial Regex FrontMatter();

    [GeneratedRegex(@"^Bash\((tokentrace [a-z ]+):\*\)$")]
    private static partial Regex AllowedBash();

    [GeneratedRegex(@"!`([^`]+)`")]
    private static partial Regex ShellLine();
}
