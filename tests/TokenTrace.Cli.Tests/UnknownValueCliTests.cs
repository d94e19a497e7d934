using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>A job, budget or filter value that matches nothing says so (exit 2) instead of printing zeros (issue 11, finding 8).</summary>
public sealed class UnknownValueCliTests(UnknownValueCliTests.LedgerWithOneJob ledger) : IClassFixture<UnknownValueCliTests.LedgerWithOneJob>
{
    /// <summary>One record of job nightly-eval (project docs, tag team=search) and a monthly budget named cap, seeded once for the class.</summary>
    public sealed class LedgerWithOneJob : SeededHome
    {
        protected override IEnumerable<string[]> Seed =>
        [
            ["record", "--model", "gpt-4o", "--input", "100", "--job", "nightly-eval", "--project", "docs", "--tag", "team=search"],
            ["budget", "set", "cap", "--limit", "5", "--period", "monthly"],
        ];
    }

    [Theory]
    [InlineData("by-job unknown", "no records for job 'unknown'", "nightly-eval")]
    [InlineData("by-job nightly", "no records for job 'nightly'", "closest: nightly-eval")]
    [InlineData("summary --project dcos", "--project: no records for project 'dcos'", "closest: docs")]
    [InlineData("summary --model gpt4o", "--model: no records for model 'gpt4o'", "closest: gpt-4o")]
    [InlineData("summary --tag team=ops", "--tag: no records for tag:team 'ops'", "known: search")]
    [InlineData("summary --user nobody", "--user: no records for user 'nobody'", "no record has a value for user")]
    [InlineData("trend --job nope", "--job: no records for job 'nope'", "nightly-eval")]
    [InlineData("report --agent nope", "--agent: no records for agent 'nope'", "no record has a value for agent")]
    [InlineData("carbon --provider nope", "--provider: no records for provider 'nope'", "")]
    [InlineData("export --to jsonl --session nope", "--session: no records for session 'nope'", "")]
    [InlineData("forecast --period monthly --project nope", "--project: no records for project 'nope'", "docs")]
    [InlineData("forecast --budget nope", "--budget: no budget named 'nope'", "known: cap")]
    [InlineData("budget status nope", "no budget named 'nope'", "known: cap")]
    [InlineData("budget check cap nope", "no budget named 'nope'", "known: cap")]
    [InlineData("report --days -1", "--days: -1", "")]
    [InlineData("report --days 0", "--days: 0", "")]
    public async Task An_unknown_value_exits_2_naming_it_and_what_is_known(string command, string message, string hint)
    {
        using var home = ledger.Copy();

        var result = await CliRunner.RunAsync(home.Path, command.Split(' '));

        Assert.True(result.ExitCode == 2, $"{command}: exit {result.ExitCode}; {result.Out}{result.Error}");
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Contains(hint, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("by-job", "nightly-eval")]
    [InlineData("summary", "--project", "docs")]
    [InlineData("budget", "status", "cap")]
    public async Task A_known_value_with_no_records_in_the_period_is_an_empty_answer_not_an_error(params string[] command)
    {
        using var home = ledger.Copy();

        var result = await CliRunner.RunAsync(home.Path, [.. command, "--since", "2000-01-01", "--until", "2000-01-02", "--format", "csv"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("error", result.Error, StringComparison.Ordinal);
    }
}
