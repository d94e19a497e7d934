namespace TokenTrace.Reports;

/// <summary>One time bucket of a trend.</summary>
/// <param name="Bucket">The bucket as sortable text (<c>2026-11-23</c>, <c>2026-11</c>…).</param>
/// <param name="Totals">Usage in the bucket (zero when nothing was used).</param>
public sealed record TrendPoint(string Bucket, UsageTotals Totals);
