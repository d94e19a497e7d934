namespace TokenTrace;

/// <summary>A ledger whose files can be rotated, archived with gzip and pruned by retention.</summary>
public interface ILedgerMaintenance
{
    /// <summary>Applies the ledger's rotation, archiving and retention policy as of <paramref name="now"/>.</summary>
    Task<LedgerMaintenanceResult> MaintainAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves every unreadable line (torn or malformed) out of the ledger's files into a <c>.rejected</c> file beside
    /// each, byte for byte, so the ledger reads clean and nothing is thrown away. Returns how many lines moved.
    /// </summary>
    Task<int> QuarantineAsync(CancellationToken cancellationToken = default);
}
