namespace TokenTrace;

/// <summary>Counters of a <see cref="TokenTracker"/>, for health checks and metrics.</summary>
/// <param name="Recorded">Records accepted by <see cref="TokenTracker.Record(UsageRecord)"/>.</param>
/// <param name="Persisted">Records the ledger acknowledged (new or already stored).</param>
/// <param name="Duplicates">Records the ledger already had (same id).</param>
/// <param name="Unpriced">Records without a known price.</param>
/// <param name="FailedWrites">Ledger write attempts that failed (each was retried).</param>
/// <param name="Spilled">Records written to the spill folder instead of the ledger.</param>
/// <param name="Replayed">Spilled records replayed into the ledger.</param>
/// <param name="Lost">Records neither stored nor spilled; each was logged as a critical error.</param>
/// <param name="Pending">Records accepted and not yet stored or spilled.</param>
public sealed record TokenTrackerStatistics(long Recorded, long Persisted, long Duplicates, long Unpriced, long FailedWrites, long Spilled, long Replayed, long Lost, long Pending);
