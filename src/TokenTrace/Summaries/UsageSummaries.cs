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

    /// <summary>
    /// Re-groups a detailed summary by a subset of its dimensions, so one ledger query can serve several views
    /// (the report groups once by day, model, project, agent, job and session and derives the rest).
    /// </summary>
    public static UsageSummary Regroup(UsageSummary detail, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(detail);
        ArgumentNullException.ThrowIfNull(by);
        foreach (var dimension in by)
        {
            if (!detail.Dimensions.Contains(dimension))
            {
                throw new ArgumentException($"{dimension} is not a dimension of the detailed summary", nameof(by));
            }
        }

        var builder = new UsageSummaryBuilder(by, timeZone);
        foreach (var row in detail.Rows)
        {
            builder.Add([.. by.Select(d => row.Key[d.Name])], row.Totals);
        }

        return builder.Build();
    }
}
