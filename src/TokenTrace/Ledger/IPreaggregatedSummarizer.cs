namespace TokenTrace;

/// <summary>
/// A summarizer that can tell, before running, whether it answers a summary from aggregates it keeps (so at a cost that
/// does not grow with the number of records). A wrapper that serves summaries another way (an analytical copy) asks
/// it first and leaves the cheap ones to it.
/// </summary>
public interface IPreaggregatedSummarizer : IUsageSummarizer
{
    /// <summary>Whether <see cref="IUsageSummarizer.SummarizeAsync"/> with these arguments reads only pre-computed aggregates.</summary>
    bool CanSummarizeFromAggregates(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone);
}
