using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests.Output;

/// <summary>
/// A ledger with three calls on 2026-11-20 whose every number is known by hand: gpt-4o 1,000 in / 500 out ($0.0075),
/// claude-sonnet-4-5 180,000 in / 4,580,000 out ($0.54 + $68.70 = $69.24), and one call of a model nobody prices.
/// A total budget of $100 watches them. Read-only for the tests that share it.
/// </summary>
public sealed class KnownUsage : IAsyncLifetime
{
    public const string Day = "2026-11-20";

    private readonly TempDirectory _home = new();

    public string Home => _home.Path;

    /// <summary>Options that pin a command to the known day, in UTC.</summary>
    public static string[] OnTheDay => ["--since", Day, "--until", Day, "--tz", "UTC"];

    public async Task InitializeAsync()
    {
        var file = _home.File("known.jsonl");
        await File.WriteAllTextAsync(file, """
            {"id":"a","timestamp":"2026-11-20T10:00:00Z","model":"gpt-4o","input":1000,"output":500,"project":"web"}
            {"id":"b","timestamp":"2026-11-20T11:00:00Z","model":"claude-sonnet-4-5","input":180000,"output":4580000,"project":"docs"}
            {"id":"c","timestamp":"2026-11-20T12:00:00Z","model":"mystery-9000","input":10,"project":"docs"}

            """);
        var import = await CliRunner.RunAsync(Home, "import", file);
        Assert.True(import.ExitCode == 0, import.Error);
        var budget = await CliRunner.RunAsync(Home, "budget", "set", "cap", "--limit", "100", "--period", "total");
        Assert.True(budget.ExitCode == 0, budget.Error);
    }

    public Task DisposeAsync()
    {
        _home.Dispose();
        return Task.CompletedTask;
    }
}
