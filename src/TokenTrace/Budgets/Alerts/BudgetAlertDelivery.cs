namespace TokenTrace;

/// <summary>What became of one alert: delivered to every sink (and so marked sent), or not (and so tried again at the next evaluation).</summary>
/// <param name="Alert">The alert.</param>
/// <param name="Failures">The sinks that did not take it; empty when it was delivered.</param>
public sealed record BudgetAlertDelivery(BudgetAlert Alert, IReadOnlyList<BudgetAlertSinkFailure> Failures)
{
    /// <summary>Whether every sink took the alert; only then is it marked sent.</summary>
    public bool Delivered => Failures.Count == 0;
}
