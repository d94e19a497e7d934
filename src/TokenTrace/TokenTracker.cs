using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// The façade most users touch: <see cref="Record(UsageRecord)"/> validates a call's usage, adds the ambient
/// attribution, prices it, estimates its impact and queues it; a background batcher writes queued records to the
/// ledger, retrying failures and spilling to a local folder rather than ever throwing into the caller.
/// </summary>
public sealed partial class TokenTracker : IAsyncDisposable
{
    private readonly IUsageLedger _ledger;
    private readonly TokenTrackerOptions _options;
    private readonly ILogger _logger;
    private readonly UsagePricer _pricer;
    private readonly IImpactEstimator _estimator;
    private readonly Channel<UsageRecord> _queue;
    private readonly Task _writer;
    private readonly JsonlUsageLedger? _spill;
    private readonly object _progressLock = new();
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _recorded, _completed, _persisted, _duplicates, _unpriced, _failedWrites, _spilled, _lost;
    private Exception? _failure;
    private int _disposed;

    /// <summary>Creates a tracker writing to <paramref name="ledger"/>.</summary>
    public TokenTracker(IUsageLedger ledger, TokenTrackerOptions? options = null, ILogger<TokenTracker>? logger = null)
    {
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _options = options ?? new TokenTrackerOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _pricer = new UsagePricer(_options.Catalog ?? PriceCatalog.BuiltIn);
        _estimator = _options.ImpactEstimator ?? new EnergyEstimator(_pricer.Catalog, defaultRegion: _options.DefaultRegion);
        _queue = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(Math.Max(1, _options.QueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _spill = _options.SpillDirectory is { } spill ? new JsonlUsageLedger(spill) : null;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The ledger records go to.</summary>
    public IUsageLedger Ledger => _ledger;

    /// <summary>The catalogue records are priced from.</summary>
    public PriceCatalog Catalog => _pricer.Catalog;

    /// <summary>Current counters.</summary>
    public TokenTrackerStatistics Statistics => new(
        Interlocked.Read(ref _recorded), Interlocked.Read(ref _persisted), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _unpriced),
        Interlocked.Read(ref _failedWrites), Interlocked.Read(ref _spilled), Interlocked.Read(ref _lost));

    /// <summary>
    /// Records one call: validates it, fills attribution from <see cref="UsageScope"/> and the defaults, prices it,
    /// and queues it for the ledger. Energy and emissions are estimated on the writer thread just before the record is
    /// stored, which keeps this call well under a microsecond; use <see cref="Prepare"/> for a record with its estimate.
    /// Returns the record as queued.
    /// </summary>
    /// <exception cref="ArgumentException">The record is invalid (a negative count, no model…); the message names the field.</exception>
    public UsageRecord Record(UsageRecord record)
    {
        var prepared = Price(record);
        Interlocked.Increment(ref _recorded);
        if (!_queue.Writer.TryWrite(prepared))
        {
            Overflow(prepared);
        }

        return prepared;
    }

    /// <summary>Records one call of <paramref name="model"/> with <paramref name="tokens"/>.</summary>
    public UsageRecord Record(string model, TokenCounts tokens, Attribution? attribution = null, string? provider = null) =>
        Record(new UsageRecord
        {
            Id = UsageRecord.NewId(),
            Timestamp = DateTimeOffset.UtcNow,
            Model = model,
            Provider = provider,
            Tokens = tokens,
            Attribution = attribution ?? Attribution.None,
        });

    /// <summary>Validates, attributes, prices and estimates a record without queuing it.</summary>
    public UsageRecord Prepare(UsageRecord record) => Estimate(Price(record));

    private UsageRecord Price(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        UsageRecordValidator.ThrowIfInvalid(record);

        var attribution = record.Attribution.WithFallback(UsageScope.Current).WithFallback(_options.DefaultAttribution);
        var cost = _pricer.Compute(record, out var reference, out var problem);
        var prepared = record with
        {
            Timestamp = record.Timestamp.ToUniversalTime(),
            Attribution = attribution,
            CostUsd = cost,
            Price = reference,
        };

        if (cost is null)
        {
            Interlocked.Increment(ref _unpriced);
            LogUnpriced(_logger, prepared.Model, problem ?? "unknown");
        }

        return prepared;
    }

    private UsageRecord Estimate(UsageRecord record)
    {
        if (record.Impact is not null)
        {
            return record;
        }

        try
        {
            var impact = _estimator.Estimate(record);
            return impact is null ? record : record with { Impact = impact, Region = record.Region ?? impact.Region ?? _options.DefaultRegion };
        }
        catch (Exception ex)
        {
            LogEstimatorFailed(_logger, ex, record.Model);
            return record;
        }
    }

    /// <summary>Waits until every record recorded so far is stored (or spilled).</summary>
    /// <exception cref="Exception">The last ledger failure, when <see cref="TokenTrackerOptions.ThrowOnLedgerFailure"/> is set.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _recorded);
        while (Interlocked.Read(ref _completed) < target && !_writer.IsCompleted)
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

            await progress.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_options.ThrowOnLedgerFailure && Interlocked.Exchange(ref _failure, null) is { } failure)
        {
            throw new IOException($"TokenTracker could not write to {_ledger.Spec}: {failure.Message}", failure);
        }
    }

    /// <summary>The cost of every stored record of <paramref name="job"/> (after flushing what is queued).</summary>
    public async Task<UsageTotals> GetJobTotalsAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var summary = await _ledger.SummarizeAsync(new UsageQuery { Job = job }, [], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
        return summary.Total;
    }

    /// <summary>Summarizes stored usage (after flushing what is queued).</summary>
    public async Task<UsageSummary> SummarizeAsync(UsageQuery? query = null, IReadOnlyList<SummaryDimension>? by = null, TimeZoneInfo? timeZone = null, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return await _ledger.SummarizeAsync(query ?? UsageQuery.All, by ?? [], timeZone ?? TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes the queue and stops the writer. The ledger itself is not disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_options.ThrowOnLedgerFailure && Interlocked.Exchange(ref _failure, null) is { } failure)
        {
            throw new IOException($"TokenTracker could not write to {_ledger.Spec}: {failure.Message}", failure);
        }
    }

    private void Overflow(UsageRecord record)
    {
        // The writer is behind. Waiting would stall the caller's model call; spilling keeps the record without waiting on the ledger.
        if (_spill is not null && TrySpill([record]))
        {
            Complete(1);
            return;
        }

        Interlocked.Increment(ref _lost);
        LogQueueFull(_logger, _options.QueueCapacity);
        Complete(1);
    }

    private async Task WriteLoopAsync()
    {
        await ReplaySpillAsync().ConfigureAwait(false);
        var reader = _queue.Reader;
        var batch = new List<UsageRecord>(_options.BatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _options.BatchSize && reader.TryRead(out var record))
            {
                batch.Add(Estimate(record));
            }

            await WriteBatchAsync(batch).ConfigureAwait(false);
            Complete(batch.Count);
            batch.Clear();
        }
    }

    private async Task WriteBatchAsync(List<UsageRecord> batch)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await _ledger.AppendAsync(batch).ConfigureAwait(false);
                Interlocked.Add(ref _persisted, result.Added);
                Interlocked.Add(ref _duplicates, result.Duplicates);
                return;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failedWrites);
                _failure = ex;
                if (attempt >= Math.Max(1, _options.MaxWriteAttempts))
                {
                    LogWriteGaveUp(_logger, ex, batch.Count, _ledger.Spec, attempt);
                    if (!(_spill is not null && TrySpill(batch)))
                    {
                        Interlocked.Add(ref _lost, batch.Count);
                    }

                    return;
                }

                LogWriteRetry(_logger, ex, _ledger.Spec, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    private bool TrySpill(IReadOnlyList<UsageRecord> records)
    {
        try
        {
            _spill!.AppendAsync(records).GetAwaiter().GetResult();
            Interlocked.Add(ref _spilled, records.Count);
            return true;
        }
        catch (Exception ex)
        {
            LogSpillFailed(_logger, ex, _spill!.Path);
            return false;
        }
    }

    private async Task ReplaySpillAsync()
    {
        if (_spill is null || !Directory.Exists(_spill.Path))
        {
            return;
        }

        try
        {
            var records = new List<UsageRecord>();
            await foreach (var record in _spill.ReadAsync(UsageQuery.All).ConfigureAwait(false))
            {
                records.Add(record);
            }

            if (records.Count > 0)
            {
                var result = await _ledger.AppendAsync(records).ConfigureAwait(false);
                Interlocked.Add(ref _persisted, result.Added);
                LogReplayed(_logger, records.Count, _ledger.Spec);
            }

            foreach (var file in Directory.EnumerateFiles(_spill.Path, "*.jsonl"))
            {
                File.Delete(file);
            }
        }
        catch (Exception ex)
        {
            // The spill stays where it is for the next start.
            LogSpillFailed(_logger, ex, _spill.Path);
        }
    }

    private void Complete(int count)
    {
        Interlocked.Add(ref _completed, count);
        TaskCompletionSource done;
        lock (_progressLock)
        {
            done = _progress;
            _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }

    [LoggerMessage(1, LogLevel.Warning, "No price for model {Model}: {Problem}. The record is kept with a null cost.")]
    private static partial void LogUnpriced(ILogger logger, string model, string problem);

    [LoggerMessage(2, LogLevel.Warning, "Ledger {Ledger} write attempt {Attempt} failed; retrying in {DelayMs} ms")]
    private static partial void LogWriteRetry(ILogger logger, Exception exception, string ledger, int attempt, double delayMs);

    [LoggerMessage(3, LogLevel.Error, "Gave up writing {Count} records to {Ledger} after {Attempts} attempts")]
    private static partial void LogWriteGaveUp(ILogger logger, Exception exception, int count, string ledger, int attempts);

    [LoggerMessage(4, LogLevel.Error, "Could not spill records to {Path}")]
    private static partial void LogSpillFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(5, LogLevel.Information, "Replayed {Count} spilled records into {Ledger}")]
    private static partial void LogReplayed(ILogger logger, int count, string ledger);

    [LoggerMessage(6, LogLevel.Error, "The record queue is full ({Capacity}) and no spill folder is set; a record was lost")]
    private static partial void LogQueueFull(ILogger logger, int capacity);

    [LoggerMessage(7, LogLevel.Warning, "The impact estimator failed for model {Model}; the record is kept without an estimate")]
    private static partial void LogEstimatorFailed(ILogger logger, Exception exception, string model);
}
