namespace TokenTrace.Reports;

/// <summary>A budget in a report: where it stands, where it is heading, and its cumulative spend day by day this period.</summary>
/// <param name="Status">Spend against the limit now.</param>
/// <param name="Forecast">The period-end forecast (null for a total budget).</param>
/// <param name="Cumulative">Cumulative spend at the end of each local day of the period so far.</param>
public sealed record BudgetReport(BudgetStatus Status, SpendForecast? Forecast, IReadOnlyList<(DateOnly Day, decimal Spend)> Cumulative);
