namespace TokenTrace.Reports;

/// <summary>A day whose spend was far above the usual for its weekday.</summary>
/// <param name="Day">The local day.</param>
/// <param name="Spend">That day's spend.</param>
/// <param name="Baseline">The usual: median of the same weekday over the four weeks before.</param>
/// <param name="Score">How far above, in robust standard deviations (MAD × 1.4826).</param>
public sealed record SpendAnomaly(DateOnly Day, decimal Spend, decimal Baseline, double Score);
