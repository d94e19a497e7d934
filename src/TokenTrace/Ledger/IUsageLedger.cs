namespace TokenTrace;

/// <summary>
/// An append-only store of <see cref="UsageRecord"/>s. Every store (SQLite, JSONL, CSV, PostgreSQL) passes the same
/// contract: idempotent ids, exact round-trip of every field, queries by time and attribution, safe concurrent
/// appends from several processes.
/// </summary>
public interface IUsageLedger : IAsyncDisposable
{
    /// <summary>The ledger's spec string (<c>sqlite:/path/usage.db</c>, <c>jsonl:/dir</c>…).</summary>
    string Spec { get; }

    /// <summary>
    /// Stores <paramref name="records"/>. Records whose id is already stored are left as they are and counted as
    /// duplicates. Returns once the records are durable.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default);

    /// <summary>Streams the records matching <paramref name="query"/>, oldest first.</summary>
    IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default);

    /// <summary>Totals of the records matching <paramref name="query"/>, grouped by <paramref name="by"/> in <paramref name="timeZone"/>.</summary>
    Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the cost of stored records (after a catalogue change). Token counts and every other field stay as they
    /// are. Returns how many records changed.
    /// </summary>
    Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default);

    /// <summary>Checks the store's integrity without changing it.</summary>
    Task<LedgerHealth> CheckAsync(CancellationToken cancellationToken = default);
}
