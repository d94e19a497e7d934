namespace TokenTrace.Reports;

/// <summary>Everything <c>tokentrace report</c> shows: where the money went, where it is heading, and what stood out.</summary>
public sealed record UsageReport
{
    /// <summary>When the report was made.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The time zone days are counted in.</summary>
    public required string TimeZone { get; init; }

    /// <summary>The records covered.</summary>
    public required UsageQuery Query { get; init; }

    /// <summary>Totals by model.</summary>
    public required UsageSummary ByModel { get; init; }

    /// <summary>Totals by project.</summary>
    public required UsageSummary ByProject { get; init; }

    /// <summary>Totals by agent.</summary>
    public required UsageSummary ByAgent { get; init; }

    /// <summary>Totals per day (zero-filled) across the range.</summary>
    public required IReadOnlyList<TrendPoint> Daily { get; init; }

    /// <summary>Totals per day and model, for the stacked chart.</summary>
    public required UsageSummary DailyByModel { get; init; }

    /// <summary>Every budget with its forecast.</summary>
    public required IReadOnlyList<BudgetReport> Budgets { get; init; }

    /// <summary>Days of unusual spend (USD) in the range.</summary>
    public required IReadOnlyList<SpendAnomaly> Anomalies { get; init; }

    /// <summary>The most expensive jobs.</summary>
    public required IReadOnlyList<SummaryRow> TopJobs { get; init; }

    /// <summary>The most expensive sessions.</summary>
    public required IReadOnlyList<SummaryRow> TopSessions { get; init; }

    /// <summary>The most expensive agents.</summary>
    public required IReadOnlyList<SummaryRow> TopAgents { get; init; }

    /// <summary>The same filters over the period of the same length immediately before <see cref="Query"/>, to compare
    /// against; null when the report's range is open at either end.</summary>
    public UsageQuery? PreviousQuery { get; init; }

    /// <summary>Totals by model over <see cref="PreviousQuery"/>; null when there is no previous period.</summary>
    public UsageSummary? PreviousByModel { get; init; }
}
