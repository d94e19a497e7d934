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
/// and logged as critical (<see cref="Statistics"/>). When the queue is full, callers wait (back-pressure, up to
/// <see cref="BatchingLedgerOptions.EnqueueTimeout"/>), then spill.</para>
/// <para>On process exit, SIGTERM, SIGINT and SIGQUIT, queued records are written within
/// <see cref="BatchingLedgerOptions.ExitGracePeriod"/>, and whatever is left is spilled; from then on records go
/// straight to the spill file (if the process survives the signal — a host that handles it itself — until the
/// ledger is disposed, which replays them). The next writer on the same spill folder replays what is left.</para>
/// <para><see cref="AppendAsync"/> acknowledges once records are queued: what it survives is what the queue survives
/// (an orderly exit, a signal; not a kill -9). Call <see cref="FlushAsync"/> to wait until they are stored.</para>
/// </remarks>
public sealed partial class BatchingUsageLedger : DelegatingUsageLedger
{
    private readonly BatchingLedgerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<QueueItem> _queue;

    // Room in the queue: a semaphore rather than a bounded channel, so a caller blocked on a full queue waits on a
    // kernel event with its own timeout instead of on a task that needs the thread pool to make progress.
    private readonly SemaphoreSlim _room;

    // Wakes the writer early from gathering a batch (BatchDelay): a full batch waiting, a flush, closing. Never
    // disposed (no wait handle is ever created for it), so a late Wake cannot throw.
#pragma warning disable CA2213
    private readonly SemaphoreSlim _wake = new(0);
#pragma warning restore CA2213
    private int _wakeRequested, _gathered;
    private readonly SpillFolder _spill;
    private readonly Task _writer;
    private readonly List<IDisposable> _exitHooks = [];
    private UsageRecord[]? _inFlight;
    private long _accepted, _completed, _written, _duplicates, _failedWrites, _spilled, _replayed, _lost, _waits;
    private int _entering;
    private int _closing;
    private int _closed;
    private Exception? _failure;
    private Exception? _writerFault;

    /// <summary>Wraps <paramref name="innerLedger"/>; starts the background writer, which first replays the spill folder.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public BatchingUsageLedger(IUsageLedger innerLedger, BatchingLedgerOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : base(innerLedger)
    {
        _options = (options ?? new BatchingLedgerOptions()).Clone();
        _options.Validate();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<BatchingUsageLedger>();
        _time = timeProvider ?? TimeProvider.System;
        _room = new SemaphoreSlim(_options.QueueCapacity, _options.QueueCapacity);

        // The exit path drains what the writer has not taken, so there can be two readers.
        _queue = Channel.CreateUnbounded<QueueItem>(new UnboundedChannelOptions { SingleReader = false });
        _spill = new SpillFolder(_options.SpillDirectory ?? DefaultSpillDirectory(innerLedger.Spec));
        if (_options.FlushOnExit)
        {
            HookProcessExit();
        }

        // The writer must not inherit the constructing caller's ambient state (its span, its UsageScope).
        using (ExecutionContext.SuppressFlow())
        {
            _writer = Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>The folder records spill to.</summary>
    public string SpillDirectory => _spill.Path;

    private bool Closing => Volatile.Read(ref _closing) != 0;

    /// <summary>Current counters.</summary>
    public BatchingLedgerStatistics Statistics
    {
        get
        {
            var accepted = Interlocked.Read(ref _accepted);
            return new BatchingLedgerStatistics(
                accepted, Interlocked.Read(ref _written), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _failedWrites),
                Interlocked.Read(ref _spilled), Interlocked.Read(ref _replayed), Interlocked.Read(ref _lost), Interlocked.Read(ref _waits),
                Math.Max(0, accepted - Interlocked.Read(ref _completed)));
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
            if (!Closing && _room.Wait(0))
            {
                Queue(record);
                return;
            }

            if (!Closing && _options.EnqueueTimeout > TimeSpan.Zero)
            {
                // Back-pressure: the caller waits for the writer rather than spill a record the ledger could take.
                Interlocked.Increment(ref _waits);
                if (_room.Wait(_options.EnqueueTimeout))
                {
                    Queue(record);
                    return;
                }

                LogQueueFull(_logger, _options.QueueCapacity, _options.EnqueueTimeout.TotalMilliseconds);
            }

            SpillOrLose([record]);
        }
        finally
        {
            Interlocked.Decrement(ref _entering);
        }
    }

    /// <summary>
    /// Accepts one record, waiting asynchronously for room when the queue is full (then spilling, as <see cref="Enqueue"/>).
    /// A record whose wait is cancelled is spilled before the cancellation is thrown: once accepted, it is kept.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The ledger was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (before the record was accepted, or while it waited; then it was spilled).</exception>
    public ValueTask EnqueueAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return EnqueueAsync(new QueueItem(record, null, null), cancellationToken);
    }

    /// <summary>
    /// Accepts a record to be made on the writer thread (<see cref="TokenTracker.RecordLaterAsync"/>), as
    /// <see cref="EnqueueAsync(UsageRecord, CancellationToken)"/>; made here when it has to be spilled.
    /// </summary>
    internal ValueTask EnqueueAsync(PendingUsageRecord pending, CancellationToken cancellationToken) =>
        EnqueueAsync(new QueueItem(null, pending, null), cancellationToken);

    private async ValueTask EnqueueAsync(QueueItem item, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _entering);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
            Interlocked.Increment(ref _accepted);
            if (!Closing && _room.Wait(0, CancellationToken.None))
            {
                Queue(item);
                return;
            }

            if (!Closing && _options.EnqueueTimeout > TimeSpan.Zero)
            {
                Interlocked.Increment(ref _waits);
                using var timeout = new CancellationTokenSource(_options.EnqueueTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
                try
                {
                    await _room.WaitAsync(linked.Token).ConfigureAwait(false);
                    Queue(item);
                    return;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    SpillOrLose(item);
                    throw;
                }
                catch (OperationCanceledException)
                {
                    LogQueueFull(_logger, _options.QueueCapacity, _options.EnqueueTimeout.TotalMilliseconds);
                }
            }

            SpillOrLose(item);
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

    /// <summary>
    /// Waits until every record accepted before this call is stored, spilled or counted as lost: a marker goes through
    /// the queue behind them, and the writer answers it once everything ahead of it is written.
    /// </summary>
    /// <exception cref="IOException">With <see cref="BatchingLedgerOptions.ThrowOnLedgerFailure"/>: the last ledger failure, or records were lost.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_queue.Writer.TryWrite(new QueueItem(null, null, marker)))
        {
            Wake();
            await marker.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Closed (exit or disposal): the writer drains what was queued and stops; records accepted since went
            // straight to the spill file before their Enqueue returned.
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            _room.Dispose();

            // _wake is not disposed: a FlushAsync racing disposal may still Release it (it holds no wait handle).
            await base.DisposeAsync().ConfigureAwait(false);
        }

        ThrowIfFailed();
    }

    private void Queue(UsageRecord record) => Queue(new QueueItem(record, null, null));

    private void Queue(QueueItem item)
    {
        if (Interlocked.Increment(ref _gathered) == _options.BatchSize)
        {
            Wake();
        }

        if (!_queue.Writer.TryWrite(item))
        {
            // Closed between the check and the write: the record goes to the spill file instead.
            _room.Release();
            SpillOrLose(item);
        }
    }

    /// <summary>Spills one queue item's record, making it first if it is pending (one that cannot be made is done with).</summary>
    private void SpillOrLose(QueueItem item)
    {
        if (Materialize(item) is { } record)
        {
            SpillOrLose([record]);
        }
    }

    /// <summary>The item's record, made now if it is pending; null (and counted as done) when it could not be made.</summary>
    private UsageRecord? Materialize(QueueItem item)
    {
        var record = item.Record ?? item.Pending!.Resolve();
        if (record is null)
        {
            // Logged by the tracker; nothing to write, so it is complete as far as the queue is concerned.
            Complete(1);
        }

        return record;
    }

    /// <summary>Ends the writer's wait for a batch to gather, at once (one release however many callers ask).</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>
    /// Lets records gather for up to <see cref="BatchingLedgerOptions.BatchDelay"/> after the first arrives: meanwhile no
    /// reader waits on the queue, so callers' writes to it do not hand work to the thread pool.
    /// </summary>
    private async Task GatherAsync()
    {
        if (_options.BatchDelay > TimeSpan.Zero && !Closing && Volatile.Read(ref _gathered) < _options.BatchSize)
        {
            // Real time, not the TimeProvider: this is a pace, and a test's frozen clock must not stall the writer.
            await _wake.WaitAsync(_options.BatchDelay).ConfigureAwait(false);
        }

        // Take any wake left over (asked for while the writer was not gathering, or when it skipped the wait), so the
        // next gathering waits its full delay. A wake asked for after this is kept: at worst the next one ends early.
        while (_wake.Wait(0))
        {
        }

        Volatile.Write(ref _wakeRequested, 0);
        Volatile.Write(ref _gathered, 0);
    }

    private async Task StopAsync()
    {
        Interlocked.Exchange(ref _closing, 1);
        _queue.Writer.TryComplete();
        Wake();
        while (Volatile.Read(ref _entering) > 0)
        {
            // A caller between its check and its write finishes by queuing (drained below) or spilling.
            await Task.Yield();
        }

        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var markers = new List<TaskCompletionSource>();
        try
        {
            await ReplaySpillAsync().ConfigureAwait(false);
            var reader = _queue.Reader;
            var batch = new List<UsageRecord>(_options.BatchSize);
            var gather = true;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                if (gather)
                {
                    await GatherAsync().ConfigureAwait(false);
                }

                while (batch.Count < _options.BatchSize && reader.TryRead(out var item))
                {
                    if (item.Flush is null)
                    {
                        _room.Release();
                        if (Materialize(item) is { } record)
                        {
                            batch.Add(record);
                        }
                    }
                    else
                    {
                        // A flush marker: everything read before it goes out in this batch, then it is answered.
                        markers.Add(item.Flush!);
                        break;
                    }
                }

                if (batch.Count > 0)
                {
                    var records = batch.ToArray();
                    batch.Clear();
                    Volatile.Write(ref _inFlight, records);
                    await WriteBatchAsync(records).ConfigureAwait(false);
                    Volatile.Write(ref _inFlight, null);
                    Complete(records.Length);
                }

                markers.ForEach(m => m.TrySetResult());
                markers.Clear();

                // Gather again only once the queue is empty: a backlog is written at once.
                gather = !reader.TryPeek(out _);
            }
        }
        catch (Exception ex)
        {
            // A bug, not a ledger failure (those are caught per batch): keep what is queued and answer every flush.
            LogWriterFailed(_logger, ex, Spec);
            _failure = ex;
            _writerFault = ex;
            Interlocked.Exchange(ref _closing, 1);
            _queue.Writer.TryComplete();
            SpillOrLose(Volatile.Read(ref _inFlight) ?? []);
            SpillOrLose(DrainQueue());
        }
        finally
        {
            // No flush is left waiting, whatever happened.
            markers.ForEach(m => m.TrySetResult());
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
            if (skipped.Count > 0)
            {
                // Lines torn in a spill file are records that were counted as spilled and cannot be read back.
                Interlocked.Add(ref _lost, skipped.Count);
                foreach (var line in skipped)
                {
                    LogSpillLineSkipped(_logger, line);
                }
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

    private void Complete(int count) => Interlocked.Add(ref _completed, count);

    private List<UsageRecord> DrainQueue()
    {
        var left = new List<UsageRecord>();
        while (_queue.Reader.TryRead(out var item))
        {
            if (item.Flush is null)
            {
                if (Materialize(item) is { } record)
                {
                    left.Add(record);
                }
            }
            else
            {
                item.Flush!.TrySetResult();
            }
        }

        return left;
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
        if (Volatile.Read(ref _closed) != 0 || Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        var deadline = _time.GetTimestamp() + (long)(_options.ExitGracePeriod.TotalSeconds * _time.TimestampFrequency);
        _queue.Writer.TryComplete();
        Wake();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _entering) > 0 && _time.GetTimestamp() < deadline)
        {
            spin.SpinOnce();
        }

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

    /// <summary>A record to write (made, or to be made on the writer), or a flush waiting for everything queued before it.</summary>
    private readonly record struct QueueItem(UsageRecord? Record, PendingUsageRecord? Pending, TaskCompletionSource? Flush);

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

    [LoggerMessage(7, LogLevel.Critical, "A spilled record could not be read back (torn by a crash or a failed write) and is lost: {Line}")]
    private static partial void LogSpillLineSkipped(ILogger logger, string line);

    [LoggerMessage(8, LogLevel.Critical, "The writer for {Ledger} stopped on an unexpected error; queued records were spilled")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception, string ledger);

    [LoggerMessage(9, LogLevel.Warning, "Process exit: {Count} records not yet written were spilled to {Path}")]
    private static partial void LogExitSpilled(ILogger logger, int count, string path);
}
