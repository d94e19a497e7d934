using System.Globalization;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary><c>tokentrace</c> with no command: today's and this month's spend and the budgets, like <c>ccusage</c> alone.</summary>
public sealed class OverviewCliTests
{
    [Fact]
    public async Task Alone_on_a_fresh_home_it_says_nothing_is_recorded_points_to_help_and_creates_nothing()
    {
        using var home = new TempDirectory();

        var result = await CliRunner.RunAsync(home.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Nothing recorded yet", result.Out, StringComparison.Ordinal);
        Assert.Contains("tokentrace --help", result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(home.Path));
    }

    [Fact]
    public async Task Alone_it_shows_today_this_month_and_each_budget_with_its_status()
    {
        using var home = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        var firstOfMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 30, 0, TimeSpan.Zero);
        var lastMonth = firstOfMonth.AddDays(-3);
        // claude-sonnet-4-5 input at $3 per million (up to 200k): $0.60 now, $0.30 early this month, and $0.60 last month,
        // which neither total includes.
        await Record(home, "200000", now);
        await Record(home, "100000", firstOfMonth < now ? firstOfMonth : now);
        await Record(home, "200000", lastMonth);
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "set", "month-cap", "--limit", "0.5", "--period", "monthly", "--tz", "UTC")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "set", "roomy", "--limit", "1000", "--period", "monthly", "--tz", "UTC")).ExitCode);

        var json = await CliRunner.RunAsync(home.Path, "--format", "json", "--tz", "UTC");
        var table = await CliRunner.RunAsync(home.Path, "--tz", "UTC");

        Assert.Equal(0, json.ExitCode);
        var root = JsonDocument.Parse(json.Out).RootElement;
        var todayIsTheFirst = now.Day == 1;
        Assert.Equal(todayIsTheFirst ? 2 : 1, root.GetProperty("today").GetProperty("records").GetInt64());
        Assert.Equal(todayIsTheFirst ? 0.9m : 0.6m, root.GetProperty("today").GetProperty("costUsd").GetDecimal());
        Assert.Equal(now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), root.GetProperty("today").GetProperty("from").GetString());
        Assert.Equal(2, root.GetProperty("month").GetProperty("records").GetInt64());
        Assert.Equal(0.9m, root.GetProperty("month").GetProperty("costUsd").GetDecimal());
        Assert.Equal(300_000, root.GetProperty("month").GetProperty("totalTokens").GetInt64());
        var budgets = root.GetProperty("budgets").EnumerateArray().ToDictionary(b => b.GetProperty("name").GetString()!);
        Assert.Equal("exhausted", budgets["month-cap"].GetProperty("status").GetString());
        Assert.Equal(0.9m, budgets["month-cap"].GetProperty("spend").GetDecimal());
        Assert.Equal("ok", budgets["roomy"].GetProperty("status").GetString());

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Today", table.Out, StringComparison.Ordinal);
        Assert.Contains("This month", table.Out, StringComparison.Ordinal);
        Assert.Contains("$0.90", table.Out, StringComparison.Ordinal);
        Assert.Contains("month-cap", table.Out, StringComparison.Ordinal);
        Assert.Contains("exhausted", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("$1.50", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alone_with_a_missing_named_ledger_it_exits_2_and_creates_nothing()
    {
        using var home = new TempDirectory();

        var result = await CliRunner.RunAsync(home.Path, "--ledger", home.File("typo/usage.db"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(home.File("typo/usage.db"), result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home.File("typo")));
    }

    private static async Task Record(TempDirectory home, string input, DateTimeOffset at)
    {
        var result = await CliRunner.RunAsync(home.Path, "record", "--model", "claude-sonnet-4-5", "--input", input, "--output", "0", "--at", at.ToString("O", CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, result.Error);
    }
}
