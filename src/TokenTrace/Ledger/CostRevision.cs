namespace TokenTrace;

/// <summary>A new cost for a stored record, from re-pricing.</summary>
/// <param name="Id">The record's id.</param>
/// <param name="CostUsd">The new cost, or null when the record can no longer be priced.</param>
/// <param name="Price">The catalogue entry the new cost comes from.</param>
public sealed record CostRevision(string Id, decimal? CostUsd, PriceReference? Price)
{
    /// <summary>
    /// The provider to store, or null to keep the stored one. Re-pricing sets it only on records that have none, from the
    /// catalogue entry that priced them, so old records become usable in provider summaries, filters and budget scopes.
    /// </summary>
    public string? Provider { get; init; }
}
