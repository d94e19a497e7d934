namespace TokenTrace;

/// <summary>What a maintenance pass did to a file ledger.</summary>
/// <param name="Rotated">Active files closed for size.</param>
/// <param name="Compressed">Files moved into the gzip archive.</param>
/// <param name="Deleted">Files removed for retention.</param>
public sealed record LedgerMaintenanceResult(int Rotated, int Compressed, int Deleted);
