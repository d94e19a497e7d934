using Microsoft.Extensions.Time.Testing;

namespace TokenTrace.Reports.Tests;

/// <summary>A rolling budget's figures in a report agree with <c>budget status</c>: same spend, a chart series, a forecast not below it.</summary>
public sealed class RollingBudgetReportTests
{
    // Wednesday 25 November 2026, 12:00 UTC.
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static UsageRecord Call(string id, DateTimeOffset at, long tokens) =>
        new() { Id = id, Timestamp = at, Model = "m", Tokens = new TokenCounts { Input = tokens }, CostUsd = 0.01m };

    [Fact]
    public async Task A_rolling_token_budget_gets_the_status_spend_a_cumulative_series_and_a_forecast_not_below_it()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync(
        [
            Call("outside", Now.AddDays(-7).AddHours(-1), 1_000_000), // left the window an hour ago
            Call("oldest", Now.AddDays(-7).AddHours(3), 400),        // leaves at 15:00 today
            Call("mid", Now.AddDays(-3), 500),
            Call("today", Now.AddHours(-2), 600),
        ]);
        var budget = new Budget { Name = "week", Limit = 1_000, Unit = BudgetUnit.Tokens, Period = BudgetPeriod.Parse("7d") };

        var report = await new ReportGenerator(ledger, TimeZoneInfo.Utc, new FakeTimeProvider(Now)).GenerateAsync(new UsageQuery { Since = Now.AddDays(-30), Until = Now }, [budget]);

        var entry = Assert.Single(report.Budgets);
        Assert.Equal(1_500m, entry.Status.Spend);
        Assert.Null(entry.Status.ResetsAt);
        Assert.Equal(Now.AddHours(3), entry.Status.RollsOffAt);

        // One point per local day from the window's first (18 Nov, from 12:00) to today; the last is the status's spend.
        Assert.Equal(new DateOnly(2026, 11, 18), entry.Cumulative[0].Day);
        Assert.Equal(new DateOnly(2026, 11, 25), entry.Cumulative[^1].Day);
        Assert.Equal([400m, 400m, 400m, 400m, 900m, 900m, 900m, 1_500m], entry.Cumulative.Select(c => c.Spend));

        var forecast = entry.Forecast!;
        Assert.Equal(entry.Status.Spend, forecast.Spent);
        Assert.True(forecast.Expected >= forecast.Spent, $"expected {forecast.Expected} below spent {forecast.Spent}");
        Assert.True(forecast.Low >= forecast.Spent);
        Assert.Equal(Now.AddHours(3), forecast.Window.End);

        // The HTML report draws it (it had no chart) and says until when the forecast runs, not "period end".
        var html = HtmlReportWriter.Write(report);
        Assert.Contains("data-chart=\"budget-week\"", html, StringComparison.Ordinal);
        Assert.Contains("expected by 2026-11-25 15:00 UTC", html, StringComparison.Ordinal);
        Assert.Contains(">11-18<", html, StringComparison.Ordinal);
        Assert.Contains(">11-25<", html, StringComparison.Ordinal);
    }
}
