using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// Turns budget statuses into alerts: each threshold, and the forecast, is delivered at least once per period to every
/// sink. An alert is marked sent in the ledger's <see cref="IBudgetStore"/> only after every sink took it, so a
/// restart does not repeat a delivered alert and a failed one is tried again at the next evaluation. Two processes
/// evaluating at the same moment may both deliver: receivers should treat an alert (budget, type, threshold, period)
/// they have already seen as a duplicate.
/// </summary>
public sealed partial class BudgetAlerter
{
    private readonly IBudgetStore _store;
    private readonly IReadOnlyList<IBudgetAlertSink> _sinks;
    private readonly ILogger _logger;

    /// <summary>Creates an alerter remembering delivered alerts in <paramref name="store"/>.</summary>
    public BudgetAlerter(IBudgetStore store, IEnumerable<IBudgetAlertSink> sinks, ILogger? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _sinks = [.. sinks ?? []];
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Raises the alerts <paramref name="status"/> crosses that were not yet delivered this period, delivers them, and
    /// returns them (delivered or not; see <see cref="DeliverAsync"/> for which). Never throws for a failing sink.
    /// </summary>
    public async Task<IReadOnlyList<BudgetAlert>> ProcessAsync(BudgetStatus status, CancellationToken cancellationToken = default) =>
        [.. (await DeliverAsync(status, cancellationToken).ConfigureAwait(false)).Select(d => d.Alert)];

    /// <summary>
    /// Raises the alerts <paramref name="status"/> crosses that were not yet delivered this period and delivers each to
    /// every sink; marks an alert sent only when every sink took it. Never throws for a failing sink: failures are
    /// logged with their status and returned.
    /// </summary>
    public async Task<IReadOnlyList<BudgetAlertDelivery>> DeliverAsync(BudgetStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        var budget = status.Budget;
        var key = BudgetEvaluator.PeriodKey(budget, status.Window, status.At);
        var pending = new List<(BudgetAlert Alert, string Mark)>();
        foreach (var threshold in budget.AlertAt.Order())
        {
            var mark = string.Create(CultureInfo.InvariantCulture, $"threshold:{threshold}");
            if (status.Percent >= threshold && !await _store.IsAlertMarkedAsync(budget.Name, key, mark, cancellationToken).ConfigureAwait(false))
            {
                pending.Add((Alert(status, "threshold", threshold), mark));
            }
        }

        if (status.ForecastExceeds && !status.Exhausted && !await _store.IsAlertMarkedAsync(budget.Name, key, "forecast", cancellationToken).ConfigureAwait(false))
        {
            pending.Add((Alert(status, "forecast", null), "forecast"));
        }

        var deliveries = new List<BudgetAlertDelivery>(pending.Count);
        foreach (var (alert, mark) in pending)
        {
            var failures = new List<BudgetAlertSinkFailure>();
            foreach (var sink in _sinks)
            {
                try
                {
                    await sink.SendAsync(alert, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failures.Add(Failure(alert, sink, ex));
                }
            }

            if (failures.Count == 0)
            {
                await _store.MarkAlertAsync(budget.Name, key, mark, cancellationToken).ConfigureAwait(false);
            }

            deliveries.Add(new BudgetAlertDelivery(alert, failures));
        }

        return deliveries;
    }

    private BudgetAlertSinkFailure Failure(BudgetAlert alert, IBudgetAlertSink sink, Exception ex)
    {
        var name = sink.ToString() ?? sink.GetType().Name;
        var status = (ex as HttpRequestException)?.StatusCode;
        var permanent = status is { } code && (int)code is >= 400 and < 500 && code is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests;
        if (permanent)
        {
            LogSinkRefused(_logger, alert.Budget, name, (int)status!.Value, ex.Message);
        }
        else
        {
            LogSinkFailed(_logger, ex, alert.Budget, name);
        }

        return new BudgetAlertSinkFailure(name, ex.Message, status is null ? null : (int)status.Value, permanent);
    }

    private static BudgetAlert Alert(BudgetStatus s, string kind, int? threshold) => new(
        s.Budget.Name, kind, threshold, s.Spend, s.Budget.Limit, s.ProjectedSpend, s.Budget.Unit, s.Budget.Mode,
        s.Window.Start == DateTimeOffset.MinValue ? null : s.Window.Start, s.ResetsAt, s.At);

    [LoggerMessage(21, LogLevel.Error, "Could not deliver the alert of budget {Budget} through {Sink}; it is not marked sent and will be tried again at the next evaluation")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string budget, string sink);

    [LoggerMessage(22, LogLevel.Error, "{Sink} refused the alert of budget {Budget} with HTTP {Status} ({Reason}); not retried now, tried again at the next evaluation until the period ends")]
    private static partial void LogSinkRefused(ILogger logger, string budget, string sink, int status, string reason);
}
