using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TokenTrace;

/// <summary>
/// The queue and background loop every exporter runs on: <see cref="TryAdd"/> only writes to a bounded channel (a full
/// one drops the record and counts it), and one loop takes batches of up to <see cref="ExportBatching.BatchSize"/>
/// records — sent when full, when the oldest has waited <see cref="ExportBatching.Interval"/>, or when a flush asks —
/// and hands each to the exporter's send. Retrying is the send's business (HTTP: the resilience handler), so a batch
/// is attempted once here and counted delivered or failed.
/// </summary>
internal sealed partial class ExportQueue : IAsyncDisposable
{
    private readonly string _name;
    private readonly Func<IReadOnlyList<UsageRecord>, CancellationToken, Task> _send;
    private readonly ExportBatching _batching;
    private readonly ExporterStatistics _statistics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Counter<long>? _records;
    private readonly KeyValuePair<string, object?> _exporterTag;
    private readonly Channel<UsageRecord> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queued, _finished, _flushUpTo;
    private int _disposed, _overflowLogged;

    public ExportQueue(
        string name, Func<IReadOnlyList<UsageRecord>, CancellationToken, Task> send, ExportBatching batching, ExporterStatistics statistics,
        ILogger logger, TimeProvider time, IMeterFactory? meterFactory)
    {
        _name = name;
        _send = send;
        _batching = batching;
        _statistics = statistics;
        _logger = logger;
        _time = time;
        _exporterTag = new("tokentrace.exporter", name);
        if (meterFactory is not null)
        {
            // One instrument name for every exporter, told apart by tags; the factory hands back the shared TokenTrace meter.
            var meter = meterFactory.Create(new MeterOptions(UsageTelemetry.MeterName) { Version = UsageTelemetry.Version });
            _records = meter.CreateCounter<long>("tokentrace.export.records", "{record}", "Usage records by exporter and outcome (delivered, failed, dropped)");
        }

        _queue = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(batching.Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        // The loop must not inherit the ambient state of whoever built this (a request's span, its UsageScope): its
        // HTTP calls would otherwise be traced as children of a request that ended long ago.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>Queues <paramref name="record"/>; never waits and never throws for the destination's sake.</summary>
    public void TryAdd(UsageRecord record)
    {
        _statistics.AddReceived();
        if (Volatile.Read(ref _disposed) == 0 && _queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _queued);
            return;
        }

        // The newest is dropped: what is queued stays in order, and a full queue means the destination is far behind.
        _statistics.AddDropped(1);
        Count("dropped", 1);
        if (Interlocked.Exchange(ref _overflowLogged, 1) == 0)
        {
            LogQueueFull(_logger, _name, _batching.Capacity);
        }
    }

    /// <summary>Sends what was queued before this call without waiting for the interval, and waits until it is delivered or failed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _queued);
        RaiseFlushMark(target);
        while (Interlocked.Read(ref _finished) < target)
        {
            var progress = Volatile.Read(ref _progress);
            if (Interlocked.Read(ref _finished) >= target || _loop.IsCompleted)
            {
                return;
            }

            await progress.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends what is queued, for up to <see cref="ExportBatching.DrainTimeout"/>; then cancels and counts what is left as dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        RaiseFlushMark(long.MaxValue);
        try
        {
            await _loop.WaitAsync(_batching.DrainTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The send in flight is cancelled (HTTP and the file lock honour the token); a send that ignores it is not
            // waited for beyond a short grace, so stopping never hangs on a destination.
            await _stop.CancelAsync().ConfigureAwait(false);
            await ((Task)_loop).WaitAsync(TimeSpan.FromSeconds(2), _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var left = 0;
        while (_queue.Reader.TryRead(out _))
        {
            left++;
        }

        if (left > 0)
        {
            _statistics.AddDropped(left);
            Count("dropped", left);
            LogDrainTimedOut(_logger, _name, left);
        }
    }

    private void RaiseFlushMark(long target)
    {
        var current = Interlocked.Read(ref _flushUpTo);
        while (current < target)
        {
            var seen = Interlocked.CompareExchange(ref _flushUpTo, target, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        Interlocked.Exchange(ref _wake, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task RunAsync()
    {
        var batch = new List<UsageRecord>(Math.Min(_batching.BatchSize, 1024));
        long taken = 0;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                var deadline = _time.GetUtcNow() + _batching.Interval;
                while (batch.Count < _batching.BatchSize)
                {
                    if (_queue.Reader.TryRead(out var record))
                    {
                        batch.Add(record);
                        taken++;
                        continue;
                    }

                    // Captured before the check, so a flush that lands after the check still wakes the wait below.
                    var wake = Volatile.Read(ref _wake);
                    var remaining = deadline - _time.GetUtcNow();
                    if (batch.Count == 0 || Interlocked.Read(ref _flushUpTo) > taken - batch.Count || remaining <= TimeSpan.Zero || _stop.IsCancellationRequested)
                    {
                        break;
                    }

                    using var waitEnd = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    var more = _queue.Reader.WaitToReadAsync(waitEnd.Token).AsTask();
                    var due = Task.Delay(remaining, _time, waitEnd.Token);
                    var first = await Task.WhenAny(more, due, wake.Task).ConfigureAwait(false);
                    await waitEnd.CancelAsync().ConfigureAwait(false);
                    if (first == due || (first == more && more.IsCompletedSuccessfully && !more.Result))
                    {
                        break; // the interval is up, or the queue was completed by DisposeAsync
                    }
                }

                if (batch.Count > 0)
                {
                    await SendAsync(batch).ConfigureAwait(false);
                    Interlocked.Add(ref _finished, batch.Count);
                    batch.Clear();
                    Interlocked.Exchange(ref _progress, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The drain timed out: DisposeAsync counts what is left in the queue.
            if (batch.Count > 0)
            {
                _statistics.AddDropped(batch.Count);
                Count("dropped", batch.Count);
            }
        }
        finally
        {
            Volatile.Read(ref _progress).TrySetResult();
        }
    }

    private async Task SendAsync(List<UsageRecord> batch)
    {
        if (_stop.IsCancellationRequested)
        {
            _statistics.AddDropped(batch.Count);
            Count("dropped", batch.Count);
            return;
        }

        try
        {
            await _send(batch, _stop.Token).ConfigureAwait(false);
            _statistics.AddDelivered(batch.Count);
            Count("delivered", batch.Count);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _statistics.AddFailed(batch.Count);
            Count("failed", batch.Count);
            LogBatchFailed(_logger, ex, _name, batch.Count);
        }
    }

    private void Count(string outcome, long records)
    {
        _records?.Add(records, _exporterTag, new("tokentrace.export.outcome", outcome));
    }

    [LoggerMessage(1, LogLevel.Warning, "Exporter {Exporter} is {Capacity} records behind; new records are dropped (and counted) until it catches up")]
    private static partial void LogQueueFull(ILogger logger, string exporter, int capacity);

    [LoggerMessage(2, LogLevel.Warning, "Exporter {Exporter} failed to send a batch of {Count} records; they are stored in the ledger but not exported")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string exporter, int count);

    [LoggerMessage(3, LogLevel.Warning, "Exporter {Exporter} still had {Count} records when it stopped; they are stored in the ledger but not exported")]
    private static partial void LogDrainTimedOut(ILogger logger, string exporter, int count);
}
