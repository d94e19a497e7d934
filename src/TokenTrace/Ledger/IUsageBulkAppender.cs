namespace TokenTrace;

/// <summary>
/// A ledger capability: appending many records inside one write transaction (<see cref="IUsageAppendTransaction"/>),
/// which is much cheaper per record than one <see cref="IUsageLedger.AppendAsync"/> per batch — one commit and one flush
/// to disk instead of one per batch, and the insert statements prepared once. For writers that add records by the
/// hundred thousand: an import, the first sync of a coding agent's history.
/// </summary>
/// <remarks>
/// The transaction holds the ledger's write lock while it is open: other writers wait for it, and a budget reservation
/// gives up after a few seconds. A caller that keeps one open for long commits it and begins another from time to time.
/// </remarks>
public interface IUsageBulkAppender
{
    /// <summary>Opens one write transaction; the caller commits and disposes it.</summary>
    /// <param name="cancellationToken">Stops waiting for the write lock.</param>
    Task<IUsageAppendTransaction> BeginAppendTransactionAsync(CancellationToken cancellationToken = default);
}
