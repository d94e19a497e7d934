namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// A ledger whose summaries come from a columnar copy of its records in DuckDB, kept beside it and brought up to date
/// from the ledger's <see cref="IUsageChangeFeed"/> before each summary. Appends, reads, budgets and every other
/// capability go to the ledger itself, which stays the system of record: the copy can be deleted at any time and is
/// rebuilt on the next summary.
/// </summary>
/// <remarks>
/// A summary goes to the ledger itself when the ledger answers it from aggregates it keeps
/// (<see cref="IPreaggregatedSummarizer"/>) and the copy's sums do not, when the ledger holds fewer than
/// <see cref="DuckDbAnalyticsOptions.MinimumRecords"/> records, and when another process keeps the copy busy for
/// longer than <see cref="DuckDbAnalyticsOptions.LockWait"/> (DuckDB lets one process at a time open a database for
/// writing). Every path gives the same numbers: token counts and costs are exact integers in both engines.
/// </remarks>
public sealed class DuckDbAnalyticsLedger : DelegatingUsageLedger, IUsageSummarizer
{
    private readonly IUsageChangeFeed _feed;
    private readonly DuckDbAnalyticsOptions _options;
    private readonly DuckDbCopy _copy;
    private long _summariesFromCopy;

    /// <summary>Serves <paramref name="innerLedger"/>'s summaries from a copy at <paramref name="databasePath"/>.</summary>
    /// <exception cref="ArgumentException">The ledger offers no <see cref="IUsageChangeFeed"/>.</exception>
    public DuckDbAnalyticsLedger(IUsageLedger innerLedger, string databasePath, DuckDbAnalyticsOptions? options = null)
        : base(innerLedger)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        _feed = innerLedger.GetService<IUsageChangeFeed>()
            ?? throw new ArgumentException($"{innerLedger.Spec} offers no change feed to copy from", nameof(innerLedger));
        _options = options ?? new DuckDbAnalyticsOptions();
        DatabasePath = Path.GetFullPath(databasePath);
        _copy = new DuckDbCopy(DatabasePath, _options);
    }

    /// <summary>Appends go to the ledger as they are: the copy catches up from its change feed, whoever wrote them.</summary>
    protected override bool AppendsPassThrough => true;

    /// <summary>The DuckDB database file that holds the copy.</summary>
    public string DatabasePath { get; }

    /// <summary>How many summaries this object answered from the copy (for tests and diagnostics).</summary>
    internal long SummariesFromCopy => Interlocked.Read(ref _summariesFromCopy);

    /// <inheritdoc/>
    public async Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(timeZone);
        // The copy's own monthly or daily sums come first when they answer the shape: at 10 M records they are tens of
        // thousands of rows (0.1 s with the open), the ledger's hourly rollup 129,000 (0.4 s) — decisions.md, "The
        // copy's sums before the ledger's hourly rollup".
        if (_options.PreferLedgerAggregates && !DuckDbSummaryQuery.AnswersFromSums(query, by, timeZone)
            && InnerLedger.GetService<IPreaggregatedSummarizer>() is { } aggregates && aggregates.CanSummarizeFromAggregates(query, by, timeZone))
        {
            return await aggregates.SummarizeAsync(query, by, timeZone, cancellationToken).ConfigureAwait(false);
        }

        // Small ledgers are answered by the ledger; the copy checks the size again under its lock, with the position it catches up to.
        var position = await _feed.GetPositionAsync(cancellationToken).ConfigureAwait(false);
        if (position.LastSequence >= _options.MinimumRecords
            && await _copy.TrySummarizeAsync(_feed, _options.MinimumRecords, query, by, timeZone, cancellationToken).ConfigureAwait(false) is { } summary)
        {
            Interlocked.Increment(ref _summariesFromCopy);
            return summary;
        }

        return await InnerLedger.SummarizeAsync(query, by, timeZone, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings the copy up to date now (after a large import, so that the next summary does not pay for it). Returns
    /// false, having done nothing, when the ledger is below <see cref="DuckDbAnalyticsOptions.MinimumRecords"/>, another
    /// process held the copy for longer than <see cref="DuckDbAnalyticsOptions.LockWait"/>, or the copy could not be
    /// written (it was then deleted, to be built again next time).
    /// </summary>
    public Task<bool> CatchUpAsync(CancellationToken cancellationToken = default) =>
        _copy.TryCatchUpAsync(_feed, _options.MinimumRecords, cancellationToken);
}
