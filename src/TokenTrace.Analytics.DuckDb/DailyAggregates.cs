using System.Globalization;
using System.Text;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// Per-dimension daily sums kept beside the copy's rows: one table per attribution dimension (<c>agg_project</c>,
/// <c>agg_job</c>…) with a row of sums per UTC day and value for each loaded chunk. A summary by that dimension alone,
/// over whole UTC days or everything and with no other filter, reads these few rows instead of every record.
/// </summary>
/// <remarks>
/// <para>
/// Reading 10 M rows of the copy for <c>--by project</c> cost ≈ 1 s, most of it DuckDB reading and checksumming the 17
/// columns a summary sums (docs/architecture/performance.md, "Daily aggregates"); the daily sums of 300 projects are
/// ≈ 100,000 rows. Rows are appended per chunk and never merged: a summary adds them up, so a (day, value) pair can
/// have a row per chunk that touched it.
/// </para>
/// <para>
/// A record replaced by a revision first adds a row of its old sums negated, then its new sums are added like any new
/// record's: totals stay exact (integers; estimates as whole nanounits plus a rest, see <see cref="FactFiles"/>).
/// Groups whose records net to zero are dropped by the query, as groups with no records are everywhere else.
/// </para>
/// </remarks>
internal static class DailyAggregates
{
    /// <summary>Summary dimension name → column of <c>facts</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Columns = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["project"] = "project", ["job"] = "job", ["task"] = "task", ["agent"] = "agent", ["session"] = "session", ["user"] = "user_name",
    };

    private static readonly string[] Estimates = ["energy_low", "energy", "energy_high", "co2e_low", "co2e", "co2e_high"];

    /// <summary>Creates the tables when missing.</summary>
    public static string CreateSql()
    {
        var sql = new StringBuilder();
        foreach (var column in Columns.Values)
        {
            sql.Append(CultureInfo.InvariantCulture, $"""
                CREATE TABLE IF NOT EXISTS agg_{column} (day BIGINT, value VARCHAR, records BIGINT, input HUGEINT, output HUGEINT, cache_read HUGEINT,
                    cache_write HUGEINT, cache_write_1h HUGEINT, reasoning HUGEINT, cost_hi HUGEINT, cost_lo HUGEINT, unpriced BIGINT, estimated BIGINT,
                """).Append(string.Join(", ", Estimates.Select(e => $"{e}_q HUGEINT, {e}_r DOUBLE"))).Append(");\n");
        }

        return sql.ToString();
    }

    /// <summary>Empties the tables (the copy is rebuilt).</summary>
    public static string DeleteSql() => string.Concat(Columns.Values.Select(c => $" DELETE FROM agg_{c};"));

    /// <summary>Adds the sums of <paramref name="source"/>'s rows (a table or subquery of <c>facts</c> rows), negated when <paramref name="negate"/>.</summary>
    public static string AddSql(string source, bool negate)
    {
        var sign = negate ? "-" : "";
        var sums = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"""
            {sign}COUNT(*), {sign}SUM(input), {sign}SUM(output), {sign}SUM(cache_read), {sign}SUM(cache_write), {sign}SUM(cache_write_1h), {sign}SUM(reasoning),
            {sign}SUM(cost_pico // 1000000), {sign}SUM(cost_pico % 1000000), {sign}(COUNT(*) - COUNT(cost_pico)), {sign}COUNT(energy_q)
            """));
        foreach (var estimate in Estimates)
        {
            sums.Append(CultureInfo.InvariantCulture, $", {sign}SUM({estimate}_q), {sign}SUM({estimate}_r)");
        }

        var sql = new StringBuilder();
        foreach (var column in Columns.Values)
        {
            sql.Append(CultureInfo.InvariantCulture, $" INSERT INTO agg_{column} SELECT ts // {TimeSpan.TicksPerDay}, {column}, {sums} FROM {source} GROUP BY ALL;");
        }

        return sql.ToString();
    }

    /// <summary>
    /// The table that answers a summary by <paramref name="by"/> over <paramref name="query"/>, with the day range to read;
    /// null when the daily sums cannot answer it (another dimension, a filter, a bound inside a UTC day).
    /// </summary>
    public static (string Table, long? FromDay, long? ToDay)? For(UsageQuery query, IReadOnlyList<SummaryDimension> by)
    {
        if (by.Count != 1 || by[0].TagKey is not null || !Columns.TryGetValue(by[0].Name, out var column)
            || query is not { Model: null, Provider: null, Project: null, Job: null, Task: null, Agent: null, Session: null, User: null, Source: null }
            || query.Tags.Count > 0)
        {
            return null;
        }

        long? from = null, to = null;
        if (query.Since is { } since)
        {
            if (since.UtcTicks % TimeSpan.TicksPerDay != 0)
            {
                return null;
            }

            from = since.UtcTicks / TimeSpan.TicksPerDay;
        }

        if (query.Until is { } until)
        {
            if (until.UtcTicks % TimeSpan.TicksPerDay != 0)
            {
                return null;
            }

            to = until.UtcTicks / TimeSpan.TicksPerDay;
        }

        return ("agg_" + column, from, to);
    }

    /// <summary>The columns a summary reads, in <see cref="DuckDbSummaryQuery"/>'s order, summed over the table's rows.</summary>
    public static string SummedColumns() =>
        "SUM(records)::BIGINT, SUM(input)::BIGINT, SUM(output)::BIGINT, SUM(cache_read)::BIGINT, SUM(cache_write)::BIGINT, SUM(cache_write_1h)::BIGINT, "
        + "SUM(reasoning)::BIGINT, SUM(cost_hi)::BIGINT, SUM(cost_lo)::BIGINT, SUM(unpriced)::BIGINT, SUM(estimated)::BIGINT, "
        + string.Join(", ", Estimates.Select(e => string.Create(CultureInfo.InvariantCulture,
            $"(IFNULL(SUM({e}_q), 0)::DOUBLE / {FactFiles.FixedPointScale:R} + IFNULL(SUM({e}_r), 0))")));
}
