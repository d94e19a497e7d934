namespace TokenTrace.Reports.Tests;

/// <summary>Forecast fixtures computed by hand; the arithmetic is in the comments.</summary>
public sealed class SpendForecasterTests
{
    // Wednesday 25 November 2026, noon UTC: half of today is left.
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 25);

    /// <summary>
    /// Eight weeks of history before today (30 Sep – 24 Nov): Mondays $7, Tuesdays alternating $1 and $3, other days $1;
    /// today $0.50 so far.
    /// </summary>
    private static DailySeries History()
    {
        var first = Today.AddDays(-56);
        var values = new List<decimal>();
        var tuesdays = 0;
        for (var day = first; day <= Today; day = day.AddDays(1))
        {
            values.Add(day == Today ? 0.5m : day.DayOfWeek switch
            {
                DayOfWeek.Monday => 7m,
                DayOfWeek.Tuesday => tuesdays++ % 2 == 0 ? 1m : 3m,
                _ => 1m,
            });
        }

        return DailySeries.FromValues(first, values);
    }

    [Fact]
    public void The_weekday_profile_and_spread_match_the_hand_computation()
    {
        var (means, sigma, days) = SpendForecaster.Profile(History(), Today);
        Assert.Equal(56, days);
        Assert.Equal([7m, 2m, 1m, 1m, 1m, 1m, 1m], means); // Tuesdays: (1+3)/2 = 2
        // Residuals: eight Tuesdays at ±1, all else 0 → Σr² = 8 → σ = √(8 / (56 − 7)) = 0.404061
        Assert.Equal(Math.Sqrt(8.0 / 49), sigma, 12);
    }

    [Fact]
    public void A_weekly_budget_forecast_follows_the_weekday_pattern()
    {
        var budget = new Budget { Name = "week", Limit = 12m, Period = BudgetPeriod.Parse("weekly") };
        var history = History();
        var spent = history[new DateOnly(2026, 11, 23)] + history[new DateOnly(2026, 11, 24)] + 0.5m; // Mon 7 + Tue 3 + today 0.5 = 10.5
        Assert.Equal(10.5m, spent);

        var forecast = SpendForecaster.Forecast(budget, history, Now, spent)!;
        // Rest of Wednesday 0.5 × $1 + Thursday..Sunday 4 × $1 = $4.50 → expected $15.00
        Assert.Equal(15.0m, forecast.Expected);
        // Spread: 1.2816 × 0.404061 × √(0.5 + 4) = 1.098525
        var spread = SpendForecaster.Z80 * Math.Sqrt(8.0 / 49) * Math.Sqrt(4.5);
        Assert.Equal(15.0 - spread, (double)forecast.Low, 9);
        Assert.Equal(15.0 + spread, (double)forecast.High, 9);
        Assert.True(forecast.ExpectedOverLimit);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), forecast.Window.End);
    }

    [Fact]
    public void A_daily_budget_forecasts_only_the_rest_of_today_and_a_monthly_one_the_rest_of_the_month()
    {
        var history = History();
        var daily = SpendForecaster.Forecast(new Budget { Name = "d", Limit = 1m, Period = BudgetPeriod.Parse("daily") }, history, Now, 0.5m)!;
        Assert.Equal(0.5m + (0.5m * 1m), daily.Expected); // half of Wednesday's $1 still to come

        var monthly = SpendForecaster.Forecast(new Budget { Name = "m", Limit = 100m, Period = BudgetPeriod.Parse("monthly") }, history, Now, 40m)!;
        // Rest of Wed 0.5 + Thu 26 … Mon 30: Thu 1, Fri 1, Sat 1, Sun 1, Mon 7 = 11 → 40 + 11.5
        Assert.Equal(51.5m, monthly.Expected);
    }

    [Fact]
    public void A_rolling_budget_forecasts_from_its_spend_to_the_end_of_today_and_a_total_budget_has_none()
    {
        var history = History();
        var budget = new Budget { Name = "r", Limit = 10m, Period = BudgetPeriod.Parse("7d") };
        var rolling = SpendForecaster.Forecast(budget, history, Now, 123m)!;
        // Spent is the rolling spend now; half of Wednesday is left at the Wednesday mean of 1: 123 + 0.5 = 123.5
        Assert.Equal(123m, rolling.Spent);
        Assert.Equal(123.5m, rolling.Expected);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), rolling.Window.End);
        Assert.Equal(Now.AddDays(-7), rolling.Window.Start);
        // 123.5 − 1.2816 · 0.404061 · √0.5 = 123.134
        Assert.Equal(123.5 - (SpendForecaster.Z80 * Math.Sqrt(8.0 / 49) * Math.Sqrt(0.5)), (double)rolling.Low, 10);
        Assert.Null(SpendForecaster.Forecast(new Budget { Name = "t", Limit = 10m, Period = BudgetPeriod.Parse("total") }, history, Now, 5m));
    }

    [Fact]
    public void A_rolling_forecast_stops_when_the_oldest_counted_spend_leaves_the_window()
    {
        var budget = new Budget { Name = "r", Limit = 10m, Period = BudgetPeriod.Parse("7d") };
        var window = budget.Period.WindowAt(Now, TimeZoneInfo.Utc);
        var leaves = Now.AddHours(6); // oldest counted record made a week ago at 18:00
        var status = new BudgetStatus(budget, window, 40m, 40m, Now) { RollsOffAt = leaves };
        var forecast = SpendForecaster.Forecast(status, History())!;
        // Until 18:00 nothing leaves: a quarter of Wednesday at its mean of 1 comes on top of the 40 spent.
        Assert.Equal(leaves, forecast.Window.End);
        Assert.Equal(40m, forecast.Spent);
        Assert.Equal(40.25m, forecast.Expected);
        Assert.True(forecast.Low >= forecast.Spent);
    }

    [Fact]
    public void Without_history_the_forecast_is_what_is_spent()
    {
        var empty = DailySeries.FromValues(Today.AddDays(-56), new decimal[57]);
        var forecast = SpendForecaster.Forecast(new Budget { Name = "w", Limit = 1m, Period = BudgetPeriod.Parse("weekly") }, empty, Now, 0m)!;
        Assert.Equal(0m, forecast.Expected);
        Assert.Equal(forecast.Low, forecast.High);
    }
}
