using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// Turns budget statuses into alerts: each threshold, and the forecast, fires once per period — remembered in the
/// ledger's <see cref="IBudgetStore"/> so a restart does not repeat it — and goes to every sink.
/// </summary>
public sealed partial class BudgetAlerter
{
    private readonly IBudgetStore _store;
    private readonly IReadOnlyList<IBudgetAlertSink> _sinks;
    private readonly ILogger _logger;

    /// <summary>Creates an alerter remembering fired alerts in <paramref name="store"/>.</summary>
    public BudgetAlerter(IBudgetStore store, IEnumerable<IBudgetAlertSink> sinks, ILogger? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _sinks = [.. sinks ?? []];
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Raises the alerts <paramref name="status"/> newly crosses and delivers them; returns them. Never throws for a failing sink.</summary>
    public async Task<IReadOnlyList<BudgetAlert>> ProcessAsync(BudgetStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        var budget = status.Budget;
        var key = BudgetEvaluator.PeriodKey(budget, status.Window, status.At);
        var alerts = new List<BudgetAlert>();
        foreach (var threshold in budget.AlertAt.Order())
        {
            if (status.Percent >= threshold && await _store.MarkAlertAsync(budget.Name, key, string.Create(CultureInfo.InvariantCulture, $"threshold:{threshold}"), cancellationToken).ConfigureAwait(false))
            {
                alerts.Add(Alert(status, "threshold", threshold));
            }
        }

        if (status.ForecastExceeds && !status.Exhausted && await _store.MarkAlertAsync(budget.Name, key, "forecast", cancellationToken).ConfigureAwait(false))
        {
            alerts.Add(Alert(status, "forecast", null));
        }

        foreach (var alert in alerts)
        {
            foreach (var sink in _sinks)
            {
                try
                {
                    await sink.SendAsync(alert, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSinkFailed(_logger, ex, alert.Budget, sink.GetType().Name);
                }
            }
        }

        return alerts;
    }

    private static BudgetAlert Alert(BudgetStatus s, string kind, int? threshold) => new(
        s.Budget.Name, kind, threshold, s.Spend, s.Budget.Limit, s.ProjectedSpend, s.Budget.Unit, s.Budget.Mode,
        s.Window.Start == DateTimeOffset.MinValue ? null : s.Window.Start, s.Window.Resets ? s.Window.End : null, s.At);

    [LoggerMessage(21, LogLevel.Error, "Could not deliver the alert of budget {Budget} through {Sink}")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string budget, string sink);
}
