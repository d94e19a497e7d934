namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// Sums of every record per session, kept beside the copy's rows and daily sums: one table, <c>aggt_session</c>, with
/// exactly one row per session at every commit (each load merges the rows it added into the rows already there, in
/// the same transaction). <c>summary --by session</c> over everything, with no filter, reads these rows as they are,
/// without a <c>GROUP BY</c>.
/// </summary>
/// <remarks>
/// <para>
/// At 10 M records the daily sums of sessions are 250,811 rows for 250,001 sessions, so a summary grouped them again:
/// DuckDB's hash aggregation of 250,000 keys with 29 sums each cost 0.55–0.75 CPU-s, reading the same number of rows
/// without it 0.15–0.28 (docs/architecture/performance.md, "Session totals and the large outputs"). Sessions are many
/// small keys that never end in a month or a day, which is why neither the daily nor a monthly table answers them
/// without grouping.
/// </para>
/// <para>
/// Rows are exact as the daily sums' are (integers; estimates as whole units, nanounits and a rest, see
/// <see cref="PeriodSums"/>). A revision adds a row of the replaced records' sums negated, merged like any other; a
/// session whose records net to zero keeps a row of zeros, which the summary skips as it skips empty groups.
/// </para>
/// </remarks>
internal static class AllTimeAggregates
{
    /// <summary>The table's name.</summary>
    public const string Table = "aggt_session";

    /// <summary>Sums written per chunk carry a period column (always 0) as every sums file does; the table has none.</summary>
    private static readonly string CsvColumns = "{period: 'BIGINT', value: 'VARCHAR', " + DailyAggregates.SumCsvColumns + "}";

    /// <summary>Empty session sums for one chunk.</summary>
    public static PeriodSums NewSums() => new()
    {
        Table = Table,
        PeriodOf = static _ => 0,
        ValuesOf = [static r => r.Attribution.Session],
        CsvColumns = CsvColumns,
        Select = "* EXCLUDE (period)",
    };

    /// <summary>Creates the table when missing.</summary>
    public static string CreateSql() => $"CREATE TABLE IF NOT EXISTS {Table} (value VARCHAR, {DailyAggregates.SumColumns});\n";

    /// <summary>Empties the table (the copy is rebuilt).</summary>
    public static string DeleteSql() => $" DELETE FROM {Table};";

    /// <summary>Subtracts the sums of <paramref name="source"/>'s rows (a subquery of <c>facts</c> rows about to be replaced).</summary>
    public static string SubtractSql(string source) => $" INSERT INTO {Table} SELECT session, {DailyAggregates.NegatedSums()} FROM {source} GROUP BY ALL;";

    /// <summary>Fills the table from the daily sums (a copy of an earlier format that has them but not this table).</summary>
    public static string FillSql() => $" INSERT INTO {Table} SELECT value, {DailyAggregates.MergedSums()} FROM agg_session GROUP BY value;";

    /// <summary>
    /// Merges the sessions that have more than one row into one row each: run in the transaction of every load, after its
    /// rows are in, so that the table never holds two rows of a session when committed. Finding them costs ≈ 0.05 CPU-s
    /// at 250,000 sessions; the sessionless records are one row too (NULL equal to NULL).
    /// </summary>
    public static string MergeSql() => DailyAggregates.MergeDuplicatesSql(Table, ["value"]);

    /// <summary>Whether the table answers a summary by <paramref name="by"/> over <paramref name="query"/>: by session alone, every record, no filter.</summary>
    public static bool Answers(UsageQuery query, IReadOnlyList<SummaryDimension> by) =>
        by is [{ Name: "session", TagKey: null }]
        && query is { Since: null, Until: null, Model: null, Provider: null, Project: null, Job: null, Task: null, Agent: null, Session: null, User: null, Source: null }
        && query.Tags.Count == 0;
}
