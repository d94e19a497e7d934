namespace TokenTrace;

/// <summary>
/// A ledger capability: throwing away the sums a store keeps beside its records (rollups, tables of sums) and summing
/// them again from the records, the repair for sums that no longer match them (<c>tokentrace doctor --rebuild-sums</c>).
/// The records are never touched, and summaries stay exact while it runs.
/// </summary>
public interface IAggregateRebuilder
{
    /// <summary>
    /// Deletes the stored sums and folds every record into them again, in steps of bounded size; returns the number of
    /// records summed. Records appended meanwhile are folded by the store's usual way.
    /// </summary>
    Task<long> RebuildAggregatesAsync(CancellationToken cancellationToken = default);
}
