namespace TokenTrace;

/// <summary>Counters of a <see cref="BatchingUsageLedger"/>. Every accepted record ends up stored, spilled or lost: <c>Accepted = Written + Spilled + Lost + Pending</c>.</summary>
/// <param name="Accepted">Records accepted (queued or spilled at once).</param>
/// <param name="Written">Records the ledger acknowledged (new or already stored).</param>
/// <param name="Duplicates">Of <paramref name="Written"/>, records the ledger already had (same id).</param>
/// <param name="FailedWrites">Ledger write attempts that failed.</param>
/// <param name="Spilled">Records written to the spill folder instead of the ledger.</param>
/// <param name="Replayed">Records read back from the spill folder into the ledger.</param>
/// <param name="Lost">Records neither stored nor spilled (the spill folder failed too); each was logged as an error.</param>
/// <param name="Waits">Times a caller waited for room in a full queue.</param>
/// <param name="Pending">Records accepted and not yet written, spilled or lost.</param>
public sealed record BatchingLedgerStatistics(long Accepted, long Written, long Duplicates, long FailedWrites, long Spilled, long Replayed, long Lost, long Waits, long Pending);
