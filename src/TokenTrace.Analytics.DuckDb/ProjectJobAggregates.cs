using System.Globalization;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// Sums of every record per (project, job), kept beside the copy's rows: one table, <c>aggt_project_job</c>. Chunks
/// append rows; after each catch-up the pairs it touched are merged to one row each. A summary by project or job (or
/// both) filtered by project or job (or both), over everything, reads these rows instead of every record.
/// </summary>
/// <remarks>
/// <para>
/// <c>--by job --project project-000</c> read every row of the copy: the facts are in time order, so every row group holds
/// every project and no zonemap skips one; 1.9 CPU-s and 1.02 s at 10 M records on a quiet machine. Jobs are not nested
/// in projects (project-000 alone has 5,001 jobs), so a (month, project, job) table was 2.4 M rows at 10 M records; the
/// pairs over all time are 793,000, and the summary's query over them filtered on one project costs 0.02–0.04 CPU-s
/// (docs/architecture/performance.md, "Session totals and the large outputs").
/// </para>
/// <para>
/// A summary always groups what it reads here, so rows not yet merged (a catch-up cut off before its merge) add up as
/// well. Rows are exact as every sums table's are (see <see cref="PeriodSums"/>); revisions add negated rows as the
/// daily sums do.
/// </para>
/// </remarks>
internal static class ProjectJobAggregates
{
    /// <summary>The table's name.</summary>
    public const string Table = "aggt_project_job";

    private static readonly string CsvColumns = "{period: 'BIGINT', project: 'VARCHAR', job: 'VARCHAR', " + DailyAggregates.SumCsvColumns + "}";

    /// <summary>Empty sums for one chunk.</summary>
    public static PeriodSums NewSums() => new()
    {
        Table = Table,
        PeriodOf = static _ => 0,
        ValuesOf = [static r => r.Attribution.Project, static r => r.Attribution.Job],
        CsvColumns = CsvColumns,
        Select = "* EXCLUDE (period)",
    };

    /// <summary>Creates the table when missing.</summary>
    public static string CreateSql() => $"CREATE TABLE IF NOT EXISTS {Table} (project VARCHAR, job VARCHAR, {DailyAggregates.SumColumns});\n";

    /// <summary>Empties the table (the copy is rebuilt).</summary>
    public static string DeleteSql() => $" DELETE FROM {Table};";

    /// <summary>Subtracts the sums of <paramref name="source"/>'s rows (a subquery of <c>facts</c> rows about to be replaced).</summary>
    public static string SubtractSql(string source) => $" INSERT INTO {Table} SELECT project, job, {DailyAggregates.NegatedSums()} FROM {source} GROUP BY ALL;";

    /// <summary>Fills the table from the copy's rows, one row per pair (a copy of an earlier format without it).</summary>
    public static string FillSql() => $" INSERT INTO {Table} SELECT project, job, {DailyAggregates.PositiveSums()} FROM facts GROUP BY ALL;";

    /// <summary>
    /// Merges the pairs of the records after sequence number <paramref name="afterSequence"/> (every pair when null) to one
    /// row each, in one transaction.
    /// </summary>
    public static string CompactSql(long? afterSequence)
    {
        var merged = afterSequence is { } after
            ? string.Create(CultureInfo.InvariantCulture, $"""
                CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT project, job FROM facts WHERE seq > {after};
                CREATE OR REPLACE TEMP TABLE merged AS
                    SELECT a.project, a.job, {DailyAggregates.MergedSums()} FROM {Table} a
                    SEMI JOIN touched t ON a.project IS NOT DISTINCT FROM t.project AND a.job IS NOT DISTINCT FROM t.job
                    GROUP BY a.project, a.job HAVING COUNT(*) > 1;
                DELETE FROM {Table} a USING merged m WHERE a.project IS NOT DISTINCT FROM m.project AND a.job IS NOT DISTINCT FROM m.job;
                DROP TABLE touched;
                """)
            : $"""
                CREATE OR REPLACE TEMP TABLE merged AS SELECT project, job, {DailyAggregates.MergedSums()} FROM {Table} GROUP BY project, job;
                DELETE FROM {Table};
                """;
        return $"""
            BEGIN TRANSACTION;
            {merged}
            INSERT INTO {Table} SELECT * FROM merged ORDER BY project, job;
            DROP TABLE merged;
            COMMIT;
            """;
    }

    /// <summary>
    /// The filters (column, value) and key column per dimension of a summary the table answers: <paramref name="by"/> is
    /// project, job or both; the query filters on project, job or both and on nothing else, over every record. Null otherwise.
    /// </summary>
    public static (IReadOnlyList<(string Column, string Value)> Filters, IReadOnlyList<string> Keys)? For(UsageQuery query, IReadOnlyList<SummaryDimension> by)
    {
        if (by.Count == 0 || by.Any(d => d.TagKey is not null || d.Name is not ("project" or "job"))
            || query is not { Since: null, Until: null, Model: null, Provider: null, Task: null, Agent: null, Session: null, User: null, Source: null }
            || query.Tags.Count > 0 || (query.Project is null && query.Job is null))
        {
            return null;
        }

        var filters = new List<(string, string)>(2);
        if (query.Project is { } project)
        {
            filters.Add(("project", project));
        }

        if (query.Job is { } job)
        {
            filters.Add(("job", job));
        }

        return (filters, [.. by.Select(d => d.Name)]);
    }
}
