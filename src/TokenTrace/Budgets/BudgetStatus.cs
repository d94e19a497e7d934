namespace TokenTrace;

/// <summary>A budget's state at one instant, derived from the ledger.</summary>
/// <param name="Budget">The budget.</param>
/// <param name="Window">The current period.</param>
/// <param name="Spend">Spend so far in the period, in the budget's unit.</param>
/// <param name="ProjectedSpend">Spend projected to the period's end (linear in elapsed time; equal to <paramref name="Spend"/> for total and rolling budgets).</param>
/// <param name="At">The instant evaluated.</param>
public sealed record BudgetStatus(Budget Budget, BudgetWindow Window, decimal Spend, decimal ProjectedSpend, DateTimeOffset At)
{
    /// <summary>
    /// Room held by calls in flight (reservations not yet settled or expired), in the budget's unit. Not part of
    /// <see cref="Spend"/>: a settled call's cost is counted from its record.
    /// </summary>
    public decimal Reserved { get; init; }

    /// <summary>Spend as a percentage of the limit.</summary>
    public decimal Percent => Budget.Limit == 0 ? 0 : Spend / Budget.Limit * 100;

    /// <summary>What is left before the limit (never below 0).</summary>
    public decimal Remaining => Math.Max(0, Budget.Limit - Spend);

    /// <summary>Whether spend has reached the limit.</summary>
    public bool Exhausted => Spend >= Budget.Limit;

    /// <summary>Whether the projection crosses the limit before the period ends.</summary>
    public bool ForecastExceeds => ProjectedSpend > Budget.Limit;
}
