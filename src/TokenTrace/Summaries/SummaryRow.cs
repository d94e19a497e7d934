namespace TokenTrace;

/// <summary>One group of a summary.</summary>
/// <param name="Key">The group's value for each dimension, by dimension name (null where records had none).</param>
/// <param name="Totals">The group's totals.</param>
public sealed record SummaryRow(IReadOnlyDictionary<string, string?> Key, UsageTotals Totals);
