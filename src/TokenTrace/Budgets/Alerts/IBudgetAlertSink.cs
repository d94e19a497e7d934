namespace TokenTrace;

/// <summary>Receives budget alerts. A failing sink is logged and never stops the others or the caller.</summary>
public interface IBudgetAlertSink
{
    /// <summary>Delivers one alert.</summary>
    Task SendAsync(BudgetAlert alert, CancellationToken cancellationToken = default);
}
