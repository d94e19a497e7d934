namespace TokenTrace;

/// <summary>A stored record with its sequence number in the ledger (see <see cref="IUsageChangeFeed"/>).</summary>
/// <param name="Sequence">The record's sequence number: larger for records stored later.</param>
/// <param name="Record">The record as stored.</param>
public sealed record SequencedUsageRecord(long Sequence, UsageRecord Record);
