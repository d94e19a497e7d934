namespace TokenTrace;

/// <summary>
/// One write transaction of a ledger (<see cref="IUsageBulkAppender"/>): what <see cref="Append"/> adds is neither
/// visible to readers nor kept until <see cref="Commit"/>, and disposing it without committing rolls all of it back.
/// Records are counted and deduplicated by id as <see cref="IUsageLedger.AppendAsync"/> does, also against records
/// appended earlier in the same transaction. Not thread-safe: one caller appends, in order.
/// </summary>
public interface IUsageAppendTransaction : IAsyncDisposable
{
    /// <summary>
    /// Adds <paramref name="records"/>, prepared (priced and estimated) and each validated as
    /// <see cref="IUsageLedger.AppendAsync"/> validates; an invalid one throws, after which the transaction can only be
    /// disposed.
    /// </summary>
    /// <param name="records">The records to add.</param>
    /// <returns>How many were added and how many were already there (<see cref="AppendResult.DuplicateIds"/> is not filled).</returns>
    AppendResult Append(IReadOnlyList<UsageRecord> records);

    /// <summary>Makes every appended record durable and visible at once.</summary>
    /// <exception cref="InvalidOperationException">Already committed, or an <see cref="Append"/> failed.</exception>
    void Commit();
}
