namespace TokenTrace;

/// <summary>
/// An append-only store of <see cref="UsageRecord"/>s: the one interface every store (SQLite, JSONL, CSV, PostgreSQL,
/// or a third party's) implements. Every store passes the same contract: idempotent ids, exact round-trip of every
/// field, queries by time and attribution, safe concurrent appends from several processes.
/// </summary>
/// <remarks>
/// The interface is deliberately small. What only some stores can do — fast summaries (<see cref="IUsageSummarizer"/>),
/// cost revision (<see cref="ICostReviser"/>), integrity checks (<see cref="ILedgerHealthCheck"/>), budgets
/// (<see cref="IBudgetStore"/>), rotation (<see cref="ILedgerMaintenance"/>) — is found through
/// <see cref="GetService"/>, so a wrapper (<see cref="DelegatingUsageLedger"/>) passes those capabilities through.
/// Callers use the extension methods of <see cref="UsageLedgerExtensions"/>, which fall back to reading records where
/// a store has no faster way.
/// </remarks>
public interface IUsageLedger : IAsyncDisposable
{
    /// <summary>The ledger's spec string (<c>sqlite:/path/usage.db</c>, <c>jsonl:/dir</c>…).</summary>
    string Spec { get; }

    /// <summary>
    /// Stores <paramref name="records"/>. Records whose id is already stored are left as they are and counted as
    /// duplicates. What a returned append survives (a process crash, a power cut) is stated by each store; see
    /// <c>docs/architecture/durability.md</c>.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the records matching <paramref name="query"/>, oldest first as far as the store keeps time order: exactly
    /// for stores indexed by instant (SQLite, PostgreSQL, a TokenTrace server); by day for the JSONL ledger, whose day
    /// files are read in append order; in file order for the CSV ledger, one file. A caller that needs exact time order
    /// sorts what it reads (decisions.md, "<c>GET /v1/records</c> reads in time slices").
    /// </summary>
    IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns an object of <paramref name="serviceType"/> that this ledger (or a ledger it wraps) provides, or null.
    /// Ledgers return themselves for the capability interfaces they implement; wrappers ask the ledger they wrap.
    /// </summary>
    /// <param name="serviceType">The capability wanted, such as <see cref="IBudgetStore"/>.</param>
    /// <param name="serviceKey">An optional key; built-in ledgers answer only unkeyed requests.</param>
    object? GetService(Type serviceType, object? serviceKey = null);
}
