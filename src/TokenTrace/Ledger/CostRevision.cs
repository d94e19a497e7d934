namespace TokenTrace;

/// <summary>A new cost for a stored record, from re-pricing.</summary>
/// <param name="Id">The record's id.</param>
/// <param name="CostUsd">The new cost, or null when the record can no longer be priced.</param>
/// <param name="Price">The catalogue entry the new cost comes from.</param>
public sealed record CostRevision(string Id, decimal? CostUsd, PriceReference? Price);
