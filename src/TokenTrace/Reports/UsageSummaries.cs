namespace TokenTrace;

/// <summary>Builds summaries from a stream of records, for ledgers that cannot aggregate where the data lives.</summary>
public static class UsageSummaries
{
    /// <summary>Groups <paramref name="records"/> by <paramref name="by"/> in <paramref name="timeZone"/>.</summary>
    public static async Task<UsageSummary> FromRecordsAsync(IAsyncEnumerable<UsageRecord> records, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(records);
        var builder = new UsageSummaryBuilder(by, timeZone);
        await foreach (var record in records.ConfigureAwait(false))
        {
            builder.Add(record);
        }

        return builder.Build();
    }
}
