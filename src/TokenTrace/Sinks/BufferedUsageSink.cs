using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// Runs a slow or unreliable sink (a webhook, an exporter) on its own: <see cref="Emit"/> only queues, so the sink can
/// never hold up the tracker's writer, the other sinks or the caller; a background loop hands each record to the inner
/// sink, retrying a throwing sink with doubling delays. What cannot be delivered — the queue is full, the attempts are
/// used up, the drain on dispose runs out of time — is dropped, counted in <see cref="Dropped"/> and logged.
/// </summary>
/// <example>
/// <code>
/// await using var webhook = new BufferedUsageSink(new MyWebhookSink(), new BufferedUsageSinkOptions { MaxAttempts = 5 });
/// options.Sinks.Add(webhook);
/// </code>
/// </example>
public sealed partial class BufferedUsageSink : IUsageSink, IAsyncDisposable
{
    private readonly IUsageSink _inner;
    private readonly BufferedUsageSinkOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<UsageRecord> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queued, _completed, _delivered, _failures, _dropped;
    private int _disposed;
    private int _overflowLogged;

    /// <summary>Wraps <paramref name="inner"/> and starts the delivery loop.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public BufferedUsageSink(IUsageSink inner, BufferedUsageSinkOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _options = options ?? new BufferedUsageSinkOptions();
        _options.Validate();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<BufferedUsageSink>();
        _time = timeProvider ?? TimeProvider.System;
        _queue = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(_options.Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        // The loop must not inherit the ambient state of whoever built this (a request's span, its UsageScope): its
        // HTTP calls would otherwise be traced as children of a request that ended long ago.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(DeliverAsync);
        }
    }

    /// <summary>Records the inner sink accepted.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Times the inner sink threw (each attempt counts).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Records given up on: queue full, attempts used up, or still queued when the drain timed out.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues <paramref name="record"/> for the inner sink; never blocks and never throws for the sink's sake.</summary>
    public void Emit(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (Volatile.Read(ref _disposed) == 0 && _queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _queued);
            return;
        }

        // Dropping the newest keeps what is queued in order; a full queue means the sink is far behind anyway.
        Interlocked.Increment(ref _dropped);
        if (Interlocked.Exchange(ref _overflowLogged, 1) == 0)
        {
            LogQueueFull(_logger, _inner.GetType().Name, _options.Capacity);
        }
    }

    /// <summary>Waits until every record queued before this call was delivered or dropped.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _queued);
        while (Interlocked.Read(ref _completed) < target)
        {
            var progress = Volatile.Read(ref _progress);
            if (Interlocked.Read(ref _completed) >= target || _loop.IsCompleted)
            {
                return;
            }

            await progress.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Delivers what is queued (up to <see cref="BufferedUsageSinkOptions.DrainTimeout"/>), then stops; the inner sink is not disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(_options.DrainTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Not awaited again: a sink stuck inside Emit cannot be cancelled, and disposing must not hang on it. The
            // loop stops at its next step; the token source is left to the collector for the same reason.
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        var left = Interlocked.Read(ref _queued) - Interlocked.Read(ref _completed);
        if (left > 0)
        {
            Interlocked.Add(ref _dropped, left);
            LogDrainTimedOut(_logger, _inner.GetType().Name, left);
        }
    }

    private async Task DeliverAsync()
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var record))
                {
                    _stop.Token.ThrowIfCancellationRequested();
                    await DeliverAsync(record).ConfigureAwait(false);
                    Interlocked.Increment(ref _completed);
                    Interlocked.Exchange(ref _progress, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The drain timed out: DisposeAsync counts what is left.
        }
        finally
        {
            Volatile.Read(ref _progress).TrySetResult();
        }
    }

    private async Task DeliverAsync(UsageRecord record)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _inner.Emit(record);
                Interlocked.Increment(ref _delivered);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _failures);
                if (attempt >= _options.MaxAttempts)
                {
                    Interlocked.Increment(ref _dropped);
                    LogGaveUp(_logger, ex, _inner.GetType().Name, record.Id, attempt);
                    return;
                }
            }

            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false);
                delay += delay;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Usage sink {Sink} is {Capacity} records behind; new records are dropped until it catches up")]
    private static partial void LogQueueFull(ILogger logger, string sink, int capacity);

    [LoggerMessage(2, LogLevel.Warning, "Usage sink {Sink} failed on record {Id} {Attempts} times; the record is stored in the ledger but not sent to this sink")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string sink, string id, int attempts);

    [LoggerMessage(3, LogLevel.Warning, "Usage sink {Sink} still had {Count} records when the drain timed out; they are stored in the ledger but not sent to this sink")]
    private static partial void LogDrainTimedOut(ILogger logger, string sink, long count);
}
