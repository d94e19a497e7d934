namespace TokenTrace;

/// <summary>
/// The bounds every count, price and cost is checked against on the way in (docs/methodology/limits.md). They are far
/// above any real model call and chosen so that no sum TokenTrace computes can overflow: a token total is a
/// <see cref="long"/>, exact up to 9.2 × 10¹⁸, and a record holds at most 5 × 10⁹ tokens in its buckets, so a total over
/// 1.8 billion records at the bound still fits; a cost sum is a <see cref="decimal"/> (7.9 × 10²⁸) and in SQLite an integer
/// number of micro- and picodollars, exact up to $9.2 trillion, which a billion records at the bound stay under.
/// </summary>
public static class UsageLimits
{
    /// <summary>The largest count one token bucket (or one named extra count) of one record may hold: 10⁹.</summary>
    public const long MaxTokensPerBucket = 1_000_000_000;

    /// <summary>The most named extra counts one record may carry.</summary>
    public const int MaxExtraCounts = 64;

    /// <summary>The largest cost one record may carry, USD; a larger value is taken as a unit mistake.</summary>
    public const decimal MaxCostUsd = 5_000m;

    /// <summary>The largest price per token, USD: $0.01, that is $10,000 per million tokens.</summary>
    public const decimal MaxRatePerToken = 0.01m;

    /// <summary>The largest price per request or per unit of a named extra count (an image, a web search), USD.</summary>
    public const decimal MaxRatePerUnit = 1_000m;

    /// <summary>
    /// The largest energy (Wh) or emission (g CO2e) estimate one record may carry, low, central or high: 10⁹, a gigawatt
    /// hour or a thousand tonnes for one call. It keeps an exact sum over 10¹¹ records under 10²⁰, the range the
    /// analytical copy sums estimates in (fixed point, 18 decimals).
    /// </summary>
    public const double MaxImpactPerRecord = 1e9;

    /// <summary>The largest long-context threshold, in tokens (the same as <see cref="MaxTokensPerBucket"/>).</summary>
    public const long MaxLongContextThreshold = MaxTokensPerBucket;
}
