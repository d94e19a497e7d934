namespace TokenTrace;

/// <summary>A ledger whose files can be rotated, archived with gzip and pruned by retention.</summary>
public interface ILedgerMaintenance
{
    /// <summary>Applies the ledger's rotation, archiving and retention policy as of <paramref name="now"/>.</summary>
    Task<LedgerMaintenanceResult> MaintainAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}
