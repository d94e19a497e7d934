namespace TokenTrace;

/// <summary>The outcome of pricing one call: a breakdown, or the reason there is none.</summary>
/// <param name="Breakdown">The cost, when the price allowed computing it.</param>
/// <param name="Problem">Why no cost could be computed.</param>
public sealed record CostResult(CostBreakdown? Breakdown, string? Problem)
{
    /// <summary>The total, or null.</summary>
    public decimal? Total => Breakdown?.Total;
}
