namespace TokenTrace;

/// <summary>
/// A ledger capability: totals computed by the store itself (an index, a rollup, a SQL <c>GROUP BY</c>) instead of by
/// reading every record. Found through <see cref="IUsageLedger.GetService"/>; without it,
/// <see cref="UsageLedgerExtensions.SummarizeAsync"/> streams the records and sums them.
/// </summary>
public interface IUsageSummarizer
{
    /// <summary>Totals of the records matching <paramref name="query"/>, grouped by <paramref name="by"/> in <paramref name="timeZone"/>.</summary>
    Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default);
}
