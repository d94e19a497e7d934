namespace TokenTrace.Reports;

/// <summary>
/// Period-end forecasts that follow the budget's own period and the week's rhythm.
/// </summary>
/// <remarks>
/// From up to eight weeks of daily history before today (starting at the first day with any usage):
/// <list type="number">
/// <item>weekday profile <c>m[w]</c> = mean spend of the history's days falling on weekday <c>w</c>;</item>
/// <item>residual spread <c>σ = √(Σ (x − m[w(x)])² / (n − 7))</c> (or the plain standard deviation with a week or less of history);</item>
/// <item>expected = spent so far + (rest of today) × <c>m[today]</c> + Σ <c>m[w(d)]</c> over the period's remaining days;</item>
/// <item>80 % interval = expected ± 1.2816 · σ · √(rest of today + remaining days), never below what is already spent.</item>
/// </list>
/// A rolling <c>Nd</c> budget has no period end: its spend leaves the window record by record. Its forecast runs from its
/// spend now (the same as <c>budget status</c>) to the end of today, or to the instant the oldest counted spend leaves the
/// window if that comes first (<see cref="BudgetStatus.RollsOffAt"/>): until then nothing leaves, so the expected spend is
/// the spend now plus the expected rest and never below it. A total budget has no end and no forecast.
/// </remarks>
public static class SpendForecaster
{
    /// <summary>The z-score of a two-sided 80 % interval.</summary>
    public const double Z80 = 1.2815515655446004;

    /// <summary>Weeks of history the profile uses.</summary>
    public const int HistoryWeeks = 8;

    /// <summary>Forecasts the period of <paramref name="budget"/> containing <paramref name="now"/>, or null for a total budget.</summary>
    /// <param name="budget">The budget (its scope, unit, period and time zone).</param>
    /// <param name="history">Daily spend covering at least the eight weeks before today and today itself.</param>
    /// <param name="now">The instant forecast from.</param>
    /// <param name="spent">Spend so far in the current period.</param>
    public static SpendForecast? Forecast(Budget budget, DailySeries history, DateTimeOffset now, decimal spent) =>
        Forecast(budget, history, now, spent, rollsOffAt: null);

    /// <summary>Forecasts the period of <paramref name="status"/>'s budget from its spend at <see cref="BudgetStatus.At"/>, or null for a total budget.</summary>
    /// <param name="status">Where the budget stands (its spend and, for a rolling budget, when its oldest spend leaves the window).</param>
    /// <param name="history">Daily spend covering at least the eight weeks before today and today itself.</param>
    public static SpendForecast? Forecast(BudgetStatus status, DailySeries history)
    {
        ArgumentNullException.ThrowIfNull(status);
        return Forecast(status.Budget, history, status.At, status.Spend, status.RollsOffAt);
    }

    private static SpendForecast? Forecast(Budget budget, DailySeries history, DateTimeOffset now, decimal spent, DateTimeOffset? rollsOffAt)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(history);
        if (budget.Period.Name == "total")
        {
            return null;
        }

        var tz = budget.ResolveTimeZone();
        var localNow = TimeZoneInfo.ConvertTime(now, tz);
        var today = DateOnly.FromDateTime(localNow.DateTime);
        var (means, sigma, days) = Profile(history, today);

        double restOfToday;
        IEnumerable<DateOnly> remainingDays;
        BudgetWindow window;
        if (budget.Period.RollingDays > 0)
        {
            // Up to the end of today, or sooner when the oldest counted spend leaves the window: before that instant the
            // rolling spend can only grow, so "expected" is what will be counted then, not a guess at what ages out.
            var startOfToday = DailySeries.LocalMidnight(today, tz);
            var endOfToday = DailySeries.LocalMidnight(today.AddDays(1), tz);
            var horizon = rollsOffAt is { } off && off < endOfToday ? (off < now ? now : off) : endOfToday;
            window = new BudgetWindow(now.AddDays(-budget.Period.RollingDays), horizon);
            restOfToday = (horizon - now).TotalSeconds / (endOfToday - startOfToday).TotalSeconds;
            remainingDays = [];
        }
        else
        {
            window = budget.Period.WindowAt(now, tz);
            var lastDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(window.End, tz).DateTime).AddDays(-1);
            restOfToday = 1 - localNow.TimeOfDay.TotalDays;
            remainingDays = today < lastDay ? Enumerable.Range(1, lastDay.DayNumber - today.DayNumber).Select(today.AddDays) : [];
        }

        var remaining = remainingDays.ToList();
        var expectedRest = ((decimal)restOfToday * means[Weekday(today)]) + remaining.Sum(d => means[Weekday(d)]);
        var expected = spent + expectedRest;
        var spread = (decimal)(Z80 * sigma * Math.Sqrt(restOfToday + remaining.Count));
        return new SpendForecast(budget.Name, window, budget.Unit, spent, expected, Math.Max(spent, expected - spread), expected + spread, budget.Limit, means, days);
    }

    /// <summary>The weekday means (Monday first), residual spread and number of history days before <paramref name="today"/>.</summary>
    public static (decimal[] Means, double Sigma, int Days) Profile(DailySeries history, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(history);
        var start = today.AddDays(-7 * HistoryWeeks);
        var days = history.Days.Where(d => d.Day >= start && d.Day < today).ToList();
        var firstUse = days.FindIndex(d => d.Spend != 0);
        days = firstUse < 0 ? [] : days[firstUse..];

        var means = new decimal[7];
        for (var w = 0; w < 7; w++)
        {
            var values = days.Where(d => Weekday(d.Day) == w).Select(d => d.Spend).ToList();
            means[w] = values.Count == 0 ? (days.Count == 0 ? 0 : days.Average(d => d.Spend)) : values.Average();
        }

        double sigma;
        if (days.Count > 7)
        {
            var squares = days.Sum(d => Square((double)(d.Spend - means[Weekday(d.Day)])));
            sigma = Math.Sqrt(squares / (days.Count - 7));
        }
        else if (days.Count > 1)
        {
            var mean = (double)days.Average(d => d.Spend);
            sigma = Math.Sqrt(days.Sum(d => Square((double)d.Spend - mean)) / (days.Count - 1));
        }
        else
        {
            sigma = 0;
        }

        return (means, sigma, days.Count);

        static double Square(double x) => x * x;
    }

    /// <summary>Monday = 0 … Sunday = 6.</summary>
    public static int Weekday(DateOnly day) => ((int)day.DayOfWeek + 6) % 7;
}
