namespace TokenTrace;

/// <summary>What happens when a budget is exhausted.</summary>
public enum BudgetMode
{
    /// <summary>Alerts only.</summary>
    Soft,

    /// <summary>Alerts, and in-process enforcement refuses new calls (<see cref="BudgetExceededException"/>); <c>budget check</c> exits 3.</summary>
    Hard,
}
