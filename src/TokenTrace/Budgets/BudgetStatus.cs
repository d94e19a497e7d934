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

    /// <summary>
    /// For a rolling budget, when the oldest record it counts leaves the window (that record's time plus the window's
    /// length): until then spend can only grow. Null for calendar and total budgets, and for a rolling budget that counts
    /// nothing.
    /// </summary>
    public DateTimeOffset? RollsOffAt { get; init; }

    /// <summary>
    /// When the period resets: the end of a calendar period; null for a total budget and for a rolling one, which never
    /// resets (its spend leaves the window record by record, from <see cref="RollsOffAt"/>).
    /// </summary>
    public DateTimeOffset? ResetsAt => Budget.Period.RollingDays == 0 && Window.Resets ? Window.End : null;

    /// <summary>Whether the projection crosses the limit before the period ends.</summary>
    public bool ForecastExceeds => ProjectedSpend > Budget.Limit;
}
