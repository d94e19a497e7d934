using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// A ledger wrapper that takes records at once and writes them in the background, in batches, retrying failures and
/// spilling to a local folder rather than ever throwing into the caller or dropping a record. Reads and capabilities
/// go to the inner ledger.
/// </summary>
/// <remarks>
/// <para>Every accepted record ends up stored, spilled, or — only when the spill folder fails too — counted as lost
/// and logged as an error (<see cref="Statistics"/>). When the queue is full, callers wait (back-pressure, up to
/// <see cref="BatchingLedgerOptions.EnqueueTimeout"/>), then spill.</para>
/// <para>On process exit, SIGTERM and Ctrl-C, queued records are written within
/// <see cref="BatchingLedgerOptions.ExitGracePeriod"/>, and whatever is left is spilled; records accepted while the
/// process exits go straight to the spill file. The next writer to start on the same spill folder replays it.</para>
/// <para><see cref="AppendAsync"/> acknowledges once records are queued: what it survives is what the queue survives
/// (an orderly exit, a signal; not a kill -9). Call <see cref="FlushAsync"/> to wait until they are stored.</para>
/// </remarks>
public sealed partial class BatchingUsageLedger : DelegatingUsageLedger
{
    private readonly BatchingLedgerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<UsageRecord> _queue;
    private readonly SpillFolder _spill;
    private readonly Task _writer;
    private readonly object _progressLock = new();
    private readonly List<IDisposable> _exitHooks = [];
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UsageRecord[]? _inFlight;
    private long _accepted, _completed, _written, _duplicates, _failedWrites, _spilled, _replayed, _lost, _waits;
    private int _entering;
    private volatile bool _closing;
    private int _closed;
    private Exception? _failure;
    private Exception? _writerFault;

    /// <summary>Wraps <paramref name="innerLedger"/>; starts the background writer, which first replays the spill folder.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public BatchingUsageLedger(IUsageLedger innerLedger, BatchingLedgerOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : base(innerLedger)
    {
        _options = options ?? new BatchingLedgerOptions();
        _options.Validate();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<BatchingUsageLedger>();
        _time = timeProvider ?? TimeProvider.System;
        _queue = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            // The exit path drains what the writer has not taken, so there can be two readers.
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _spill = new SpillFolder(_options.SpillDirectory ?? DefaultSpillDirectory(innerLedger.Spec));
        if (_options.FlushOnExit)
        {
            HookProcessExit();
        }

        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The folder records spill to.</summary>
    public string SpillDirectory => _spill.Path;

    /// <summary>Current counters.</summary>
    public BatchingLedgerStatistics Statistics
    {
        get
        {
            var accepted = Interlocked.Read(ref _accepted);
            return new BatchingLedgerStatistics(
                accepted, Interlocked.Read(ref _written), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _failedWrites),
                Interlocked.Read(ref _spilled), Interlocked.Read(ref _replayed), Interlocked.Read(ref _lost), Interlocked.Read(ref _waits),
                accepted - Interlocked.Read(ref _completed));
        }
    }

    /// <summary>The default spill folder for a ledger: one per ledger spec under the user's local application data (or the temp folder).</summary>
    public static string DefaultSpillDirectory(string ledgerSpec) => SpillFolder.DefaultFor(ledgerSpec);

    /// <summary>
    /// Accepts one record for writing. Returns at once when the queue has room; otherwise waits for room up to
    /// <see cref="BatchingLedgerOptions.EnqueueTimeout"/>, then spills the record. Never throws for a ledger problem.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The ledger was disposed.</exception>
    public void Enqueue(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Interlocked.Increment(ref _entering);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
            Interlocked.Increment(ref _accepted);
            if (_closing || !_queue.Writer.TryWrite(record))
            {
                EnqueueSlow(record);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _entering);
        }
    }

    /// <summary>Accepts one record, waiting asynchronously for room when the queue is full (then spilling, as <see cref="Enqueue"/>).</summary>
    /// <exception cref="ObjectDisposedException">The ledger was disposed.</exception>
    public async ValueTask EnqueueAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        Interlocked.Increment(ref _entering);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
            Interlocked.Increment(ref _accepted);
            if (!_closing && _queue.Writer.TryWrite(record))
            {
                return;
            }

            if (!_closing && await WaitForRoomAsync(record, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            SpillOrLose([record]);
        }
        finally
        {
            Interlocked.Decrement(ref _entering);
        }
    }

    /// <summary>Queues <paramref name="records"/> (see <see cref="EnqueueAsync"/>); they are acknowledged as queued, not yet stored.</summary>
    public override async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            await EnqueueAsync(record, cancellationToken).ConfigureAwait(false);
        }

        return new AppendResult(records.Count, 0);
    }

    /// <summary>Waits until every record accepted so far is stored, spilled or counted as lost.</summary>
    /// <exception cref="IOException">With <see cref="BatchingLedgerOptions.ThrowOnLedgerFailure"/>: the last ledger failure, or records were lost.</exception>
    /// <exception cref="InvalidOperationException">The background writer stopped on an unexpected error.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _accepted);
        while (Interlocked.Read(ref _completed) < target)
        {
            Task progress;
            lock (_progressLock)
            {
                progress = _progress.Task;
            }

            if (Interlocked.Read(ref _completed) >= target)
            {
                break;
            }

            if (_writer.IsCompleted && Interlocked.Read(ref _completed) < target)
            {
                throw new InvalidOperationException($"The writer for {Spec} has stopped with records still queued.", _writerFault);
            }

            await progress.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        ThrowIfFailed();
    }

    /// <summary>Writes every queued record, stops the writer, replays this process's own spill if the ledger now takes it, then disposes the inner ledger.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        UnhookProcessExit();
        await StopAsync().ConfigureAwait(false);
        try
        {
            // Give this process's spill a chance to reach the ledger now, unless the ledger broke the writer.
            if (Interlocked.Read(ref _spilled) > 0 && _writerFault is null)
            {
                _spill.CloseOwn();
                await ReplaySpillAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _spill.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }

        ThrowIfFailed();
    }

    private async Task StopAsync()
    {
        _closing = true;
        var spin = default(SpinWait);
        while (Volatile.Read(ref _entering) > 0)
        {
            spin.SpinOnce();
        }

        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private void EnqueueSlow(UsageRecord record)
    {
        if (!_closing && _options.EnqueueTimeout > TimeSpan.Zero)
        {
            // Back-pressure: the caller waits for the writer rather than lose or spill a record the ledger could take.
            Interlocked.Increment(ref _waits);
            var waiting = WaitForRoomAsync(record, CancellationToken.None);
            if (waiting.IsCompletedSuccessfully ? waiting.Result : waiting.AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }

        SpillOrLose([record]);
    }

    private async ValueTask<bool> WaitForRoomAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.EnqueueTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _queue.Writer.WriteAsync(record, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogQueueFull(_logger, _options.QueueCapacity, _options.EnqueueTimeout.TotalMilliseconds);
            return false;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await ReplaySpillAsync().ConfigureAwait(false);
            var reader = _queue.Reader;
            var batch = new List<UsageRecord>(_options.BatchSize);
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (batch.Count < _options.BatchSize && reader.TryRead(out var record))
                {
                    batch.Add(record);
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                var records = batch.ToArray();
                batch.Clear();
                Volatile.Write(ref _inFlight, records);
                await WriteBatchAsync(records).ConfigureAwait(false);
                Volatile.Write(ref _inFlight, null);
                Complete(records.Length);
            }
        }
        catch (Exception ex)
        {
            // A bug, not a ledger failure (those are caught per batch): keep what is queued and wake every waiter.
            LogWriterFailed(_logger, ex, Spec);
            _failure = ex;
            _writerFault = ex;

            // From here on callers' records go straight to the spill file.
            _closing = true;
            _queue.Writer.TryComplete();
            SpillOrLose(Volatile.Read(ref _inFlight) ?? []);
            SpillOrLose(DrainQueue());
        }
        finally
        {
            Signal();
        }
    }

    private async Task WriteBatchAsync(UsageRecord[] batch)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await InnerLedger.AppendAsync(batch).ConfigureAwait(false);
                Interlocked.Add(ref _written, batch.Length);
                Interlocked.Add(ref _duplicates, result.Duplicates);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _failedWrites);
                _failure = ex;
                if (attempt >= _options.MaxWriteAttempts)
                {
                    LogWriteGaveUp(_logger, ex, batch.Length, Spec, attempt);
                    SpillOrLose(batch, alreadyCompleted: true);
                    return;
                }

                LogWriteRetry(_logger, ex, Spec, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, _time).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>Spills records; if that fails too they are lost, counted and logged. Completes them unless the caller does.</summary>
    private void SpillOrLose(IReadOnlyList<UsageRecord> records, bool alreadyCompleted = false)
    {
        if (records.Count == 0)
        {
            return;
        }

        try
        {
            _spill.Write(records);
            Interlocked.Add(ref _spilled, records.Count);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Add(ref _lost, records.Count);
            _failure = ex;
            LogLost(_logger, ex, records.Count, _spill.Path);
        }

        if (!alreadyCompleted)
        {
            Complete(records.Count);
        }
    }

    private async Task ReplaySpillAsync()
    {
        try
        {
            var (replayed, skipped) = await _spill.ReplayAsync(InnerLedger, _options.BatchSize, TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
            foreach (var line in skipped)
            {
                LogSpillLineSkipped(_logger, line);
            }

            if (replayed > 0)
            {
                Interlocked.Add(ref _replayed, replayed);
                LogReplayed(_logger, replayed, Spec);
            }
        }
        catch (Exception ex)
        {
            // The files stay where they are for the next start; a replay never breaks the caller.
            LogReplayFailed(_logger, ex, _spill.Path);
        }
    }

    private void Complete(int count)
    {
        Interlocked.Add(ref _completed, count);
        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource done;
        lock (_progressLock)
        {
            done = _progress;
            _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }

    private void ThrowIfFailed()
    {
        if (!_options.ThrowOnLedgerFailure)
        {
            return;
        }

        if (Interlocked.Exchange(ref _failure, null) is { } failure)
        {
            throw new IOException($"Could not write to {Spec}: {failure.Message}", failure);
        }
    }

    private void HookProcessExit()
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        try
        {
            foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
            {
                // The handler does not cancel the signal: the process still ends, after the flush.
                _exitHooks.Add(PosixSignalRegistration.Create(signal, _ => FlushForExit()));
            }
        }
        catch (PlatformNotSupportedException)
        {
            // No signals here (a browser, a mobile sandbox): ProcessExit still flushes.
        }
    }

    private void UnhookProcessExit()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var hook in _exitHooks)
        {
            hook.Dispose();
        }

        _exitHooks.Clear();
    }

    private void OnProcessExit(object? sender, EventArgs e) => FlushForExit();

    /// <summary>
    /// Runs on an exit signal: from here on, callers' records go straight to the spill file; queued records get the
    /// grace period to reach the ledger; whatever is still queued or in flight after it is spilled (ids make a record
    /// that was both written and spilled count once).
    /// </summary>
    private void FlushForExit()
    {
        if (Volatile.Read(ref _closed) != 0 || _closing)
        {
            return;
        }

        var deadline = _time.GetTimestamp() + (long)(_options.ExitGracePeriod.TotalSeconds * _time.TimestampFrequency);
        _closing = true;
        var spin = default(SpinWait);
        while (Volatile.Read(ref _entering) > 0 && _time.GetTimestamp() < deadline)
        {
            spin.SpinOnce();
        }

        _queue.Writer.TryComplete();
        var remaining = TimeSpan.FromSeconds(Math.Max(0, deadline - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
        try
        {
            if (_writer.Wait(remaining))
            {
                _spill.CloseOwn();
                return;
            }
        }
        catch (AggregateException)
        {
            // The writer failed; it spilled what it held.
        }

        // The batch in flight may reach the ledger too: the writer completes it, and ids make it count once.
        var inFlight = Volatile.Read(ref _inFlight) ?? [];
        SpillOrLose(inFlight, alreadyCompleted: true);
        var queued = DrainQueue();
        SpillOrLose(queued);
        _spill.CloseOwn();
        LogExitSpilled(_logger, inFlight.Length + queued.Count, _spill.Path);
    }

    private List<UsageRecord> DrainQueue()
    {
        var left = new List<UsageRecord>();
        while (_queue.Reader.TryRead(out var record))
        {
            left.Add(record);
        }

        return left;
    }

    [LoggerMessage(1, LogLevel.Warning, "Ledger {Ledger} write attempt {Attempt} failed; retrying in {DelayMs} ms")]
    private static partial void LogWriteRetry(ILogger logger, Exception exception, string ledger, int attempt, double delayMs);

    [LoggerMessage(2, LogLevel.Error, "Gave up writing {Count} records to {Ledger} after {Attempts} attempts; spilling them")]
    private static partial void LogWriteGaveUp(ILogger logger, Exception exception, int count, string ledger, int attempts);

    [LoggerMessage(3, LogLevel.Critical, "{Count} records are lost: neither the ledger nor the spill folder {Path} took them")]
    private static partial void LogLost(ILogger logger, Exception exception, int count, string path);

    [LoggerMessage(4, LogLevel.Information, "Replayed {Count} spilled records into {Ledger}")]
    private static partial void LogReplayed(ILogger logger, long count, string ledger);

    [LoggerMessage(5, LogLevel.Warning, "The record queue stayed full ({Capacity}) for {TimeoutMs} ms; spilling the record")]
    private static partial void LogQueueFull(ILogger logger, int capacity, double timeoutMs);

    [LoggerMessage(6, LogLevel.Error, "Could not replay the spill folder {Path}; it is kept for the next start")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(7, LogLevel.Warning, "Skipped an unreadable spilled line (torn by a crash): {Line}")]
    private static partial void LogSpillLineSkipped(ILogger logger, string line);

    [LoggerMessage(8, LogLevel.Critical, "The writer for {Ledger} stopped on an unexpected error; queued records were spilled")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception, string ledger);

    [LoggerMessage(9, LogLevel.Warning, "Process exit: {Count} records not yet written were spilled to {Path}")]
    private static partial void LogExitSpilled(ILogger logger, int count, string path);
}
