using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>Commands that read never create a ledger; commands that add to one still do (issue 11, finding 8).</summary>
public sealed class LedgerOpeningCliTests
{
    /// <summary>
    /// Every read command on a bare .db path, and each store kind on two commands; each ledger is named inside a folder
    /// that does not exist, so a created parent folder is caught too.
    /// </summary>
    public static TheoryData<string, string[]> ReadCommandsAndStores()
    {
        string[][] commands =
        [
            ["summary"], ["summary", "--by", "model", "--format", "json"], ["by-job", "nightly"], ["report"], ["report", "--format", "json"],
            ["trend"], ["forecast"], ["carbon"], ["export", "--to", "jsonl"], ["budget", "status"], ["budget", "check"],
            ["doctor"], ["reprice"], ["rotate"],
        ];
        var data = new TheoryData<string, string[]>();
        foreach (var command in commands)
        {
            data.Add("typo/usage.db", command);
        }

        foreach (var spec in new[] { "sqlite:typo/usage.db", "jsonl:typo/usage", "csv:typo/usage.csv" })
        {
            data.Add(spec, ["summary"]);
            data.Add(spec, ["budget", "status"]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReadCommandsAndStores))]
    public async Task A_read_command_on_a_missing_named_ledger_exits_2_naming_it_and_creates_nothing(string spec, string[] command)
    {
        using var home = new TempDirectory();
        var relative = spec[(spec.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var location = Path.Combine(home.Path, relative);
        var specText = spec.Contains(':', StringComparison.Ordinal) ? spec[..(spec.IndexOf(':', StringComparison.Ordinal) + 1)] + location : location;

        var result = await CliRunner.RunAsync(home.Path, [.. command, "--ledger", specText]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(location, result.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
        Assert.Contains(spec.Contains(':', StringComparison.Ordinal) ? specText : "sqlite:" + location, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
        Assert.False(Directory.Exists(home.File("typo")), "the ledger's folder was created");
        Assert.False(File.Exists(home.File("usage.db")), "the default ledger was created");
    }

    [Theory]
    [InlineData("TOKENTRACE_LEDGER")]
    [InlineData("config")]
    public async Task A_missing_ledger_named_by_the_environment_or_config_is_an_error_too(string how)
    {
        using var home = new TempDirectory();
        var location = home.File("elsewhere/usage.db");
        var environment = new Dictionary<string, string?>();
        if (how == "config")
        {
            File.WriteAllText(home.File("config.yaml"), $"ledger: {location}\n");
        }
        else
        {
            environment["TOKENTRACE_LEDGER"] = location;
        }

        var result = await CliRunner.RunAsync(home.Path, environment, "summary");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(location, result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home.File("elsewhere")));
    }

    [Theory]
    [InlineData("jsonl:new/usage")]
    [InlineData("csv:new/usage.csv")]
    [InlineData("sqlite:new/usage.db")]
    public async Task Record_import_and_budget_set_still_create_the_ledger_they_are_given(string spec)
    {
        foreach (var write in new[]
        {
            new[] { "record", "--model", "gpt-4o", "--input", "10" },
            new[] { "budget", "set", "cap", "--limit", "1", "--period", "daily" },
            new[] { "import", "records.jsonl" },
        })
        {
            using var home = new TempDirectory();
            var colon = spec.IndexOf(':', StringComparison.Ordinal);
            var specText = spec[..(colon + 1)] + home.File(spec[(colon + 1)..]);
            if (write[0] == "import")
            {
                var source = await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "10", "--ledger", "jsonl:" + home.File("source"));
                Assert.Equal(0, source.ExitCode);
                File.Copy(Directory.GetFiles(home.File("source"), "*.jsonl").Single(), home.File("records.jsonl"));
            }

            var result = await CliRunner.RunAsync(home.Path, [.. write, "--ledger", specText]);

            Assert.True(result.ExitCode == 0, $"{string.Join(' ', write)}: {result.Error}");
            Assert.True(Directory.Exists(home.File("new")), $"{string.Join(' ', write)} did not create {specText}");
            var summary = await CliRunner.RunAsync(home.Path, "summary", "--format", "json", "--ledger", specText);
            Assert.Equal(0, summary.ExitCode);
        }
    }

    [Fact]
    public async Task A_fresh_home_reads_as_an_empty_ledger_with_a_note_and_creates_nothing()
    {
        using var home = new TempDirectory();

        var summary = await CliRunner.RunAsync(home.Path, "summary", "--format", "json");
        var status = await CliRunner.RunAsync(home.Path, "budget", "status");
        var report = await CliRunner.RunAsync(home.Path, "report", "--format", "json");
        var doctor = await CliRunner.RunAsync(home.Path, "doctor");

        Assert.Equal(0, summary.ExitCode);
        Assert.Equal(0, JsonDocument.Parse(summary.Out).RootElement.GetProperty("total").GetProperty("records").GetInt64());
        Assert.Contains("Nothing recorded yet", summary.Error, StringComparison.Ordinal);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal(0, report.ExitCode);
        Assert.Equal(0, doctor.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(home.Path));
    }

    [Fact]
    public async Task The_fresh_home_note_is_silent_with_quiet()
    {
        using var home = new TempDirectory();

        var summary = await CliRunner.RunAsync(home.Path, "summary", "--quiet", "--format", "csv");

        Assert.Equal(0, summary.ExitCode);
        Assert.Equal("", summary.Error);
    }
}
