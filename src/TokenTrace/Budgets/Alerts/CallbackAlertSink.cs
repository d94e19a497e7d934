namespace TokenTrace;

/// <summary>Delivers alerts to a delegate.</summary>
/// <param name="callback">Called for each alert.</param>
public sealed class CallbackAlertSink(Func<BudgetAlert, CancellationToken, Task> callback) : IBudgetAlertSink
{
    /// <inheritdoc/>
    public Task SendAsync(BudgetAlert alert, CancellationToken cancellationToken = default) => callback(alert, cancellationToken);
}
