namespace TokenTrace;

/// <summary>
/// A ledger capability: replacing the cost of stored records after a catalogue change (<c>tokentrace reprice</c>), and
/// the provider when a revision names one (<see cref="CostRevision.Provider"/>). Token counts and every other field stay
/// as they are.
/// </summary>
public interface ICostReviser
{
    /// <summary>Replaces the cost of the records named in <paramref name="revisions"/>; returns how many changed.</summary>
    Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default);
}
