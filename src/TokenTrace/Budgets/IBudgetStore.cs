namespace TokenTrace;

/// <summary>
/// Where a ledger keeps budget definitions and which alerts already fired, so budgets live with the data they
/// measure and an alert fires once per period even across restarts. Every built-in ledger implements it.
/// </summary>
public interface IBudgetStore
{
    /// <summary>The stored budgets.</summary>
    Task<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a budget (by name).</summary>
    Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default);

    /// <summary>Removes a budget; false when there was none by that name.</summary>
    Task<bool> RemoveBudgetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Records that <paramref name="alert"/> fired for <paramref name="budget"/> in the period keyed <paramref name="periodKey"/>; false when it already had.</summary>
    Task<bool> MarkAlertAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <see cref="MarkAlertAsync"/> has recorded <paramref name="alert"/> for <paramref name="budget"/> in the period
    /// keyed <paramref name="periodKey"/>. Alerts are marked only once delivered, so one that failed is tried again.
    /// </summary>
    Task<bool> IsAlertMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default);
}
