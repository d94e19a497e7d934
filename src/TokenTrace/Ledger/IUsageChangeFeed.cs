namespace TokenTrace;

/// <summary>
/// A ledger capability: its records in the order they were stored, each with its sequence number, and which stored
/// records changed since a given point. It is what a copy of the ledger (an analytical engine, a server that machines
/// push to) needs to stay caught up by reading only what is new, instead of reading everything again.
/// </summary>
/// <remarks>
/// Sequence numbers only grow: a record appended later has a larger one. A change (a cost revised by
/// <see cref="ICostReviser"/>, a record removed) gets the next change number and names the record's sequence number, so
/// a copy that remembers the last sequence and change numbers it applied can catch up exactly. The
/// <see cref="UsageFeedPosition.LedgerId"/> changes when the store is replaced by another (a deleted and recreated
/// file). A restored backup keeps its identity but not its later changes: each change carries a random mark
/// (<see cref="GetChangeMarkAsync"/>), so a copy that finds another mark under the change number it remembers (or no
/// record under the id at its last sequence number) knows to start again.
/// </remarks>
public interface IUsageChangeFeed
{
    /// <summary>Where the ledger is now: its identity, last sequence number and last change number.</summary>
    Task<UsageFeedPosition> GetPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The records whose sequence number is above <paramref name="afterSequence"/> and at most
    /// <paramref name="upToSequence"/>, in sequence order, in batches of at most <paramref name="batchSize"/>.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<SequencedUsageRecord>> ReadAfterAsync(long afterSequence, long upToSequence, int batchSize = 10_000, CancellationToken cancellationToken = default);

    /// <summary>
    /// The sequence numbers of records changed or removed by changes numbered above <paramref name="afterChange"/> and at
    /// most <paramref name="upToChange"/>, each once, in ascending order.
    /// </summary>
    Task<IReadOnlyList<long>> ChangedAsync(long afterChange, long upToChange, CancellationToken cancellationToken = default);

    /// <summary>The random mark of change number <paramref name="change"/>, or null when there is no such change.</summary>
    Task<long?> GetChangeMarkAsync(long change, CancellationToken cancellationToken = default);

    /// <summary>The records stored under <paramref name="sequences"/> now (a removed one is absent), in sequence order.</summary>
    Task<IReadOnlyList<SequencedUsageRecord>> ReadSequencesAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default);
}
