using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// A ledger wrapper that passes every acknowledged record to a set of <see cref="IUsageSink"/>s after the inner
/// ledger's append returns. A failing sink is isolated: logged, counted in <see cref="SinkFailures"/>, and the append
/// still succeeds.
/// </summary>
public sealed partial class SinkingUsageLedger : DelegatingUsageLedger
{
    private readonly IUsageSink[] _sinks;
    private readonly ILogger _logger;
    private long _sinkFailures;

    /// <summary>Wraps <paramref name="innerLedger"/> so its acknowledged records reach <paramref name="sinks"/>.</summary>
    public SinkingUsageLedger(IUsageLedger innerLedger, IEnumerable<IUsageSink> sinks, ILoggerFactory? loggerFactory = null)
        : base(innerLedger)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _sinks = [.. sinks];
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SinkingUsageLedger>();
    }

    /// <summary>How many times a sink threw.</summary>
    public long SinkFailures => Interlocked.Read(ref _sinkFailures);

    /// <inheritdoc/>
    public override async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        var result = await InnerLedger.AppendAsync(records, cancellationToken).ConfigureAwait(false);

        // Only what this append stored: a record the ledger already had (a replayed spill, an import run twice) was passed
        // on when it was first stored. A ledger that does not say which records were duplicates gets everything passed
        // on (at least once).
        IReadOnlyList<UsageRecord> stored = records;
        if (result.Duplicates > 0 && result.KnowsDuplicates)
        {
            // A repeat inside the batch was stored once: passed on once.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            stored = [.. records.Where(r => !result.IsKnownDuplicate(r.Id) && seen.Add(r.Id))];
        }

        foreach (var sink in _sinks)
        {
            foreach (var record in stored)
            {
                try
                {
                    sink.Emit(record);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _sinkFailures);
                    LogSinkFailed(_logger, ex, sink.GetType().Name, record.Id);
                }
            }
        }

        return result;
    }

    [LoggerMessage(1, LogLevel.Warning, "Usage sink {Sink} failed on record {Id}; the record is stored and other sinks go on")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink, string id);
}
