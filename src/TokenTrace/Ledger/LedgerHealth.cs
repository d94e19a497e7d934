namespace TokenTrace;

/// <summary>The result of a ledger integrity check.</summary>
/// <param name="Spec">The ledger checked.</param>
/// <param name="Records">Readable records.</param>
/// <param name="Problems">Problems found (torn lines, corrupt files); empty when healthy.</param>
/// <param name="Details">Facts worth showing (schema version, file count, journal mode).</param>
public sealed record LedgerHealth(string Spec, long Records, IReadOnlyList<LedgerProblem> Problems, IReadOnlyDictionary<string, string> Details)
{
    /// <summary>Whether no problem was found.</summary>
    public bool IsHealthy => Problems.Count == 0;
}
