using System.Globalization;

namespace TokenTrace;

/// <summary>A budget crossed a threshold, or its period-end projection crossed the limit.</summary>
/// <param name="Budget">The budget's name.</param>
/// <param name="Kind"><c>threshold</c> or <c>forecast</c>.</param>
/// <param name="ThresholdPercent">The threshold crossed, for a threshold alert.</param>
/// <param name="Spend">Spend in the period, in <paramref name="Unit"/>.</param>
/// <param name="Limit">The limit.</param>
/// <param name="ProjectedSpend">Projected spend at the period's end.</param>
/// <param name="Unit">The limit's unit.</param>
/// <param name="Mode">Soft or hard.</param>
/// <param name="PeriodStart">Start of the period (null for a total budget).</param>
/// <param name="PeriodEnd">When the period resets (null for a total budget).</param>
/// <param name="At">When the alert was raised.</param>
public sealed record BudgetAlert(
    string Budget, string Kind, int? ThresholdPercent, decimal Spend, decimal Limit, decimal ProjectedSpend,
    BudgetUnit Unit, BudgetMode Mode, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd, DateTimeOffset At)
{
    /// <summary>One line for people.</summary>
    public string Describe() => Kind == "forecast"
        ? $"Budget '{Budget}' is projected to reach {BudgetUnits.Format(ProjectedSpend, Unit)} by the end of the period, over its limit of {BudgetUnits.Format(Limit, Unit)} (spent {BudgetUnits.Format(Spend, Unit)} so far)."
        : string.Create(CultureInfo.InvariantCulture, $"Budget '{Budget}' passed {ThresholdPercent}% of its limit: {BudgetUnits.Format(Spend, Unit)} of {BudgetUnits.Format(Limit, Unit)}") + (Mode == BudgetMode.Hard && Spend >= Limit ? " (hard: new calls are refused)." : ".");
}
