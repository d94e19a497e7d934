namespace TokenTrace.Reports;

/// <summary>Where spend is heading by the end of a period, with an 80 % interval.</summary>
/// <param name="Name">What is forecast (a budget's name, or the period).</param>
/// <param name="Window">The period forecast (for a rolling budget: the next full window).</param>
/// <param name="Unit">The unit of every amount.</param>
/// <param name="Spent">Spend so far in the period.</param>
/// <param name="Expected">Expected spend at the period's end.</param>
/// <param name="Low">Lower bound of the 80 % interval (never below <paramref name="Spent"/>).</param>
/// <param name="High">Upper bound of the 80 % interval.</param>
/// <param name="Limit">The budget's limit, when forecasting a budget.</param>
/// <param name="WeekdayMeans">Mean daily spend by weekday (Monday first) over the history used.</param>
/// <param name="HistoryDays">Days of history the profile comes from.</param>
public sealed record SpendForecast(
    string Name, BudgetWindow Window, BudgetUnit Unit, decimal Spent, decimal Expected, decimal Low, decimal High, decimal? Limit,
    IReadOnlyList<decimal> WeekdayMeans, int HistoryDays)
{
    /// <summary>Whether the expected spend passes the limit.</summary>
    public bool ExpectedOverLimit => Limit is { } limit && Expected > limit;
}
