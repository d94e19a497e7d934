namespace TokenTrace;

/// <summary>
/// A ledger capability: an integrity check of the store's files or database without changing them
/// (<c>tokentrace doctor</c>). Without it, <see cref="UsageLedgerExtensions.CheckAsync"/> reads every record and
/// reports a failure to read as a problem.
/// </summary>
public interface ILedgerHealthCheck
{
    /// <summary>Checks the store's integrity without changing it.</summary>
    Task<LedgerHealth> CheckAsync(CancellationToken cancellationToken = default);
}
