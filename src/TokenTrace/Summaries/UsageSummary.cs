namespace TokenTrace;

/// <summary>Usage grouped by dimensions, with a grand total.</summary>
/// <param name="Dimensions">The dimensions grouped by, in order.</param>
/// <param name="Rows">The groups: by time when a time dimension is present, else most expensive first.</param>
/// <param name="Total">Totals over all rows.</param>
public sealed record UsageSummary(IReadOnlyList<SummaryDimension> Dimensions, IReadOnlyList<SummaryRow> Rows, UsageTotals Total);
