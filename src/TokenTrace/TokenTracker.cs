using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// The façade most apps touch: <see cref="Record(UsageRecord)"/> runs the <see cref="UsageRecordPipeline"/>
/// (validate, attribute, price) on the caller's thread and hands the record to a <see cref="BatchingUsageLedger"/>,
/// whose writer estimates energy and emissions, writes in batches, retries, spills, and flushes on exit. Reads go to
/// the ledger.
/// </summary>
/// <remarks>
/// The chain is <c>BatchingUsageLedger → estimate → trace → SinkingUsageLedger (when sinks are set) → your ledger</c>.
/// Disposing the tracker writes every queued record; the ledger passed in is not disposed.
/// Every recorded call is counted on the <c>TokenTrace</c> meter and added to the current <c>gen_ai</c> span
/// (<see cref="UsageTelemetry"/>, <see cref="TokenTrackerOptions.Telemetry"/>).
/// </remarks>
public sealed partial class TokenTracker : IAsyncDisposable
{
    private readonly IUsageLedger _ledger;
    private readonly BatchingUsageLedger _batching;
    private readonly Meter _meter;
    private readonly UsageInstruments _usage;
    private readonly bool _enrichSpans;
    private readonly ILogger _logger;
    private int _telemetryFailureLogged;
    private long _recorded, _unpriced;
    private int _disposed;

    /// <summary>Creates a tracker writing to <paramref name="ledger"/>.</summary>
    /// <param name="ledger">Where records go; not disposed with the tracker.</param>
    /// <param name="options">Pipeline, batching and sinks; validated here.</param>
    /// <param name="loggerFactory">Where the tracker logs (unpriced models, retries, spills, losses).</param>
    /// <param name="timeProvider">The clock for timestamps, retry delays and waits.</param>
    /// <param name="meterFactory">Creates the <c>TokenTrace</c> meter: usage (cost, tokens, energy, CO2e) and health (accepted, written, spilled, lost, pending…).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public TokenTracker(IUsageLedger ledger, TokenTrackerOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        options ??= new TokenTrackerOptions();
        options.Validate();
        Time = timeProvider ?? TimeProvider.System;
        Pipeline = new UsageRecordPipeline(options.Pipeline, loggerFactory);
        IUsageLedger chain = options.Sinks.Count > 0 ? new SinkingUsageLedger(new OwnedByCaller(ledger), options.Sinks, loggerFactory) : new OwnedByCaller(ledger);
        _batching = new BatchingUsageLedger(new EstimatingUsageLedger(new TracingUsageLedger(chain), Pipeline), options.Batching, loggerFactory, Time);
        _meter = TokenTrackerMetrics.Create(meterFactory, () => Statistics);
        _usage = new UsageInstruments(_meter, options.Telemetry.MetricAttribution);
        _enrichSpans = options.Telemetry.EnrichGenAISpans;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TokenTracker>();
    }

    /// <summary>The ledger records go to (and reads come from).</summary>
    public IUsageLedger Ledger => _ledger;

    /// <summary>The pipeline every record goes through.</summary>
    public UsageRecordPipeline Pipeline { get; }

    /// <summary>The catalogue records are priced from.</summary>
    public PriceCatalog Catalog => Pipeline.Catalog;

    /// <summary>The clock the tracker reads.</summary>
    public TimeProvider Time { get; }

    /// <summary>The folder records spill to when the ledger cannot take them.</summary>
    public string SpillDirectory => _batching.SpillDirectory;

    /// <summary>Current counters.</summary>
    public TokenTrackerStatistics Statistics
    {
        get
        {
            var b = _batching.Statistics;
            return new(Interlocked.Read(ref _recorded), b.Written, b.Duplicates, Interlocked.Read(ref _unpriced), b.FailedWrites, b.Spilled, b.Replayed, b.Lost, b.Pending);
        }
    }

    /// <summary>
    /// Records one call: validates it, fills attribution from <see cref="UsageScope"/> and the defaults, prices it and
    /// queues it. When the queue is full this waits for room (bounded by <see cref="BatchingLedgerOptions.EnqueueTimeout"/>),
    /// then spills; a ledger problem never throws here. Energy and emissions are estimated on the writer thread — or here,
    /// when a metrics listener wants them or the current span is a <c>gen_ai</c> span to enrich; use <see cref="Prepare"/>
    /// for a record with its estimate. Returns the record as queued.
    /// </summary>
    /// <exception cref="ArgumentException">The record is invalid (a negative count, no model…); the message names the field.</exception>
    /// <exception cref="ObjectDisposedException">The tracker was disposed.</exception>
    public UsageRecord Record(UsageRecord record)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var accepted = Observe(Pipeline.Accept(record));
        _batching.Enqueue(accepted);
        Count(accepted);
        return accepted;
    }

    /// <summary>As <see cref="Record(UsageRecord)"/>, but waits for room in a full queue asynchronously.</summary>
    /// <exception cref="ArgumentException">The record is invalid; the message names the field.</exception>
    public async ValueTask<UsageRecord> RecordAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var accepted = Observe(Pipeline.Accept(record));
        try
        {
            await _batching.EnqueueAsync(accepted, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while waiting for room: the record was spilled, not dropped, so it still counts.
            Count(accepted);
            throw;
        }

        Count(accepted);
        return accepted;
    }

    /// <summary>
    /// Records a call whose record is made on the writer thread: on the caller's thread this captures the ambient
    /// <see cref="UsageScope"/> and writes to the queue (waiting asynchronously for room in a full queue, as
    /// <see cref="RecordAsync"/>). Making, validating, attributing, pricing and counting the record happen on the writer;
    /// a record that cannot be made or is invalid is logged there and not stored — nothing reaches the caller. When the
    /// current span is a <c>gen_ai</c> span to enrich (<see cref="UsageTelemetryOptions.EnrichGenAISpans"/>), the record
    /// is made here instead, so the span gets its cost.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The tracker was disposed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="pending"/> was already handed to a tracker.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for room; the record was made and spilled, so it is kept.</exception>
    public ValueTask RecordLaterAsync(PendingUsageRecord pending, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        pending.Attach(this, UsageScope.Current);
        return _enrichSpans && UsageTelemetry.IsGenAISpan(Activity.Current)
            ? RecordNowAsync(pending, cancellationToken)
            : _batching.EnqueueAsync(pending, cancellationToken);
    }

    /// <summary>Records one call of <paramref name="model"/> with <paramref name="tokens"/>, now.</summary>
    public UsageRecord Record(string model, TokenCounts tokens, Attribution? attribution = null, string? provider = null) =>
        Record(new UsageRecord
        {
            Id = UsageRecord.NewId(),
            Timestamp = Time.GetUtcNow(),
            Model = model,
            Provider = provider,
            Tokens = tokens,
            Attribution = attribution ?? Attribution.None,
        });

    /// <summary>Validates, attributes, prices and estimates a record without queuing it.</summary>
    public UsageRecord Prepare(UsageRecord record) => Pipeline.Prepare(record);

    /// <summary>Waits until every record recorded so far is stored (or spilled).</summary>
    /// <exception cref="IOException">With <see cref="BatchingLedgerOptions.ThrowOnLedgerFailure"/>: the last ledger failure.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _batching.FlushAsync(cancellationToken);

    /// <summary>The cost of every stored record of <paramref name="job"/> (after flushing what is queued).</summary>
    public async Task<UsageTotals> GetJobTotalsAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job);
        var summary = await SummarizeAsync(new UsageQuery { Job = job }, [], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
        return summary.Total;
    }

    /// <summary>Summarizes stored usage (after flushing what is queued).</summary>
    public async Task<UsageSummary> SummarizeAsync(UsageQuery? query = null, IReadOnlyList<SummaryDimension>? by = null, TimeZoneInfo? timeZone = null, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return await _ledger.SummarizeAsync(query ?? UsageQuery.All, by ?? [], timeZone ?? TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every queued record and stops the writer. The ledger itself is not disposed.</summary>
    /// <exception cref="IOException">With <see cref="BatchingLedgerOptions.ThrowOnLedgerFailure"/>: the last ledger failure.</exception>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _batching.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _meter.Dispose();
        }
    }

    /// <summary>
    /// Counts the call on the usage instruments and adds it to the current <c>gen_ai</c> span, estimating energy here only
    /// when one of them wants it (the writer thread would otherwise); with no listener this is two cheap checks.
    /// </summary>
    private UsageRecord Observe(UsageRecord accepted) => Observe(accepted, _enrichSpans ? Activity.Current : null);

    /// <inheritdoc cref="Observe(UsageRecord)"/>
    private UsageRecord Observe(UsageRecord accepted, Activity? activity)
    {
        var enrich = UsageTelemetry.IsGenAISpan(activity);
        if (enrich || _usage.WantsImpact)
        {
            accepted = Pipeline.Estimate(accepted);
        }

        try
        {
            if (enrich)
            {
                UsageTelemetry.Enrich(activity, accepted);
            }

            _usage.Record(accepted);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A metrics listener's callback runs inside Counter.Add on this thread: its exception must not fail the
            // caller's model call, and the record still goes to the ledger. Logged once, not per call.
            if (Interlocked.Exchange(ref _telemetryFailureLogged, 1) == 0)
            {
                LogTelemetryFailed(_logger, ex);
            }
        }

        return accepted;
    }

    /// <summary>Makes a pending record on the caller's thread and records it there (its span is to be enriched).</summary>
    private async ValueTask RecordNowAsync(PendingUsageRecord pending, CancellationToken cancellationToken)
    {
        UsageRecord record;
        try
        {
            record = pending.Make();
            await RecordAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException or ObjectDisposedException))
        {
            LogPendingFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Makes and accepts a pending record on the writer thread (or wherever the queue spills it): the pipeline with the
    /// scope captured at the call, then the metrics, as <see cref="RecordAsync"/> does on the caller's thread. Null, with
    /// the reason logged, when it cannot be made or is invalid.
    /// </summary>
    internal UsageRecord? Resolve(PendingUsageRecord pending)
    {
        UsageRecord accepted;
        try
        {
            accepted = Pipeline.Accept(pending.Make(), pending.Scope);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPendingFailed(_logger, ex);
            return null;
        }

        accepted = Observe(accepted, activity: null);
        Count(accepted);
        return accepted;
    }

    [LoggerMessage(2, LogLevel.Warning, "A call's usage could not be made into a valid record and is not stored; the call itself was unaffected")]
    private static partial void LogPendingFailed(ILogger logger, Exception exception);

    [LoggerMessage(1, LogLevel.Warning, "Reporting a usage record to metrics or a span failed; records are still stored (logged once)")]
    private static partial void LogTelemetryFailed(ILogger logger, Exception exception);

    private void Count(UsageRecord accepted)
    {
        Interlocked.Increment(ref _recorded);
        if (accepted.CostUsd is null)
        {
            Interlocked.Increment(ref _unpriced);
        }
    }

    /// <summary>Keeps the caller's ledger open when the tracker's chain is disposed.</summary>
    private sealed class OwnedByCaller(IUsageLedger inner) : DelegatingUsageLedger(inner)
    {
        protected override bool AppendsPassThrough => true;

#pragma warning disable CA2215 // Not disposing the inner ledger is the point: the caller owns it.
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA2215
    }
}
