using Microsoft.Extensions.Logging;

namespace TokenTrace;

/// <summary>Writes alerts to a logger as warnings.</summary>
/// <param name="logger">The logger.</param>
public sealed partial class LogAlertSink(ILogger logger) : IBudgetAlertSink
{
    /// <inheritdoc/>
    public Task SendAsync(BudgetAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        LogAlert(logger, alert.Budget, alert.Kind, alert.Describe());
        return Task.CompletedTask;
    }

    [LoggerMessage(20, LogLevel.Warning, "Budget alert {Budget} ({Kind}): {Description}")]
    private static partial void LogAlert(ILogger logger, string budget, string kind, string description);
}
