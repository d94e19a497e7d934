using System.Globalization;
using System.Text;

namespace TokenTrace.PostgreSql;

/// <summary>
/// The sums kept beside the records (schema 2), updated in the transaction that stores or revises the records so that
/// they always equal a sum over the rows: hourly sums by model, provider, source and region (<c>usage_hourly</c>), and
/// daily (UTC) sums by one attribution dimension each (<c>usage_daily_project</c>, <c>_job</c>, <c>_agent</c>,
/// <c>_user_name</c>). A summary those keys answer reads these few rows instead of every record.
/// </summary>
/// <remarks>
/// A batch adds one <c>GROUP BY</c> of its new rows per table, upserted in key order (so that two appends that touch the
/// same sums lock them in the same order and never deadlock); a revision subtracts the record's old row and adds its new
/// one in one statement. Not <c>task</c> or <c>session</c>: nearly unique per day, their sums would be about as many rows
/// as the records (the DuckDB copy's measurement, docs/architecture/performance.md).
/// </remarks>
internal static class PostgreSqlRollups
{
    /// <summary>The hourly table's key columns, all of which are also <c>usage</c> columns.</summary>
    public static readonly string[] HourlyKeys = ["model", "provider", "source", "region"];

    /// <summary>The attribution columns kept as daily sums, one table each (<c>usage_daily_{column}</c>).</summary>
    public static readonly string[] DailyColumns = ["project", "job", "agent", "user_name"];

    /// <summary>The summed columns of every rollup table, with how a row of <c>usage</c> contributes to each (before its sign).</summary>
    private static readonly (string Name, string SqlType, string FromRow)[] Sums =
    [
        ("records", "bigint", "1"),
        ("input", "bigint", "input"),
        ("output", "bigint", "output"),
        ("cache_read", "bigint", "cache_read"),
        ("cache_write", "bigint", "cache_write"),
        ("cache_write_1h", "bigint", "cache_write_1h"),
        ("reasoning", "bigint", "reasoning"),
        ("cost", "numeric", "COALESCE(cost_billed, 0)"),
        ("unpriced", "bigint", "CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END"),
        ("estimated", "bigint", "CASE WHEN energy_wh IS NULL THEN 0 ELSE 1 END"),
        ("energy_low", "double precision", "COALESCE(energy_wh_low, 0)"),
        ("energy", "double precision", "COALESCE(energy_wh, 0)"),
        ("energy_high", "double precision", "COALESCE(energy_wh_high, 0)"),
        ("co2e_low", "double precision", "COALESCE(co2e_g_low, 0)"),
        ("co2e", "double precision", "COALESCE(co2e_g, 0)"),
        ("co2e_high", "double precision", "COALESCE(co2e_g_high, 0)"),
    ];

    /// <summary>The <c>usage</c> columns a rollup reads from a row (what the merge returns from the rows it inserted).</summary>
    public static readonly string RowColumns =
        "ts, model, provider, source, region, project, job, agent, user_name, input, output, cache_read, cache_write, cache_write_1h, reasoning, "
        + "cost_usd, cost_billed, energy_wh_low, energy_wh, energy_wh_high, co2e_g_low, co2e_g, co2e_g_high";

    /// <summary><see cref="RowColumns"/>, each after <paramref name="prefix"/> (a table alias and its dot).</summary>
    public static string PrefixedRowColumns(string prefix) => string.Join(", ", RowColumns.Split(", ").Select(c => prefix + c));

    /// <summary>The tables: name, key columns (after the time bucket) and the bucket's width in ticks.</summary>
    public static IEnumerable<(string Table, string[] Keys, long Ticks)> Tables =>
        new[] { ("usage_hourly", HourlyKeys, TimeSpan.TicksPerHour) }
            .Concat(DailyColumns.Select(c => ("usage_daily_" + c, new[] { c }, TimeSpan.TicksPerDay)));

    /// <summary>Creates the tables (schema 2).</summary>
    public static string CreateSql()
    {
        var sql = new StringBuilder();
        var sums = string.Join(", ", Sums.Select(s => $"{s.Name} {s.SqlType} NOT NULL"));
        foreach (var (table, keys, _) in Tables)
        {
            // NULLS NOT DISTINCT (PostgreSQL 15): records without a project are one group, as in a summary. Pages half
            // full: a batch updates a sum in place (a HOT update, no new index entry) when its page has room.
            sql.Append(CultureInfo.InvariantCulture,
                $"CREATE TABLE {table} (bucket bigint NOT NULL, {string.Join(", ", keys.Select(k => k + " text"))}, {sums}, UNIQUE NULLS NOT DISTINCT (bucket, {string.Join(", ", keys)})) WITH (fillfactor = 50);\n");
        }

        return sql.ToString();
    }

    /// <summary>
    /// Data-modifying <c>WITH</c> items (each starting with a comma) that add the rows of <paramref name="source"/> (a
    /// relation with <see cref="RowColumns"/>) to every table; when <paramref name="signed"/>, each row also has a
    /// <c>sign</c> column (1 adds the row, -1 takes it away).
    /// </summary>
    public static string UpsertCtes(string source, bool signed)
    {
        var sql = new StringBuilder();
        var i = 0;
        foreach (var (table, keys, ticks) in Tables)
        {
            var sums = string.Join(", ", Sums.Select(s => signed ? $"SUM(sign * {s.FromRow})" : s.FromRow == "1" ? "COUNT(*)" : $"SUM({s.FromRow})"));
            var groups = string.Join(", ", Enumerable.Range(1, keys.Length + 1));
            var updates = string.Join(", ", Sums.Select(s => $"{s.Name} = r.{s.Name} + EXCLUDED.{s.Name}"));
            sql.Append(CultureInfo.InvariantCulture, $"""
                , rollup{i++} AS (
                    INSERT INTO {table} AS r (bucket, {string.Join(", ", keys)}, {string.Join(", ", Sums.Select(s => s.Name))})
                    SELECT ts / {ticks}, {string.Join(", ", keys)}, {sums} FROM {source} GROUP BY {groups} ORDER BY {groups}
                    ON CONFLICT (bucket, {string.Join(", ", keys)}) DO UPDATE SET {updates}
                )

                """);
        }

        return sql.ToString();
    }

    /// <summary>Fills the tables from the rows already stored (the migration to schema 2).</summary>
    public static string BackfillSql() => $"WITH src AS (SELECT {RowColumns} FROM usage){UpsertCtes("src", signed: false)} SELECT 1;\n";

    /// <summary>
    /// A relation shaped as <c>usage</c> for the summary query (<c>ts</c> at the bucket's start, the key columns under
    /// their own names) over <paramref name="table"/>.
    /// </summary>
    public static string AsUsage(string table, string[] keys, long ticks) =>
        string.Create(CultureInfo.InvariantCulture, $"(SELECT bucket * {ticks} AS ts, {string.Join(", ", keys)}, {string.Join(", ", Sums.Select(s => s.Name))} FROM {table}) AS usage");

    /// <summary>The summary's sums over a rollup, in the order of the row path's (records, tokens, cost, unpriced, estimated, estimates).</summary>
    public static readonly string[] SummarySums =
    [
        "COALESCE(SUM(records), 0)::bigint", "COALESCE(SUM(input), 0)::bigint", "COALESCE(SUM(output), 0)::bigint", "COALESCE(SUM(cache_read), 0)::bigint",
        "COALESCE(SUM(cache_write), 0)::bigint", "COALESCE(SUM(cache_write_1h), 0)::bigint", "COALESCE(SUM(reasoning), 0)::bigint",
        "COALESCE(SUM(cost), 0)", "COALESCE(SUM(unpriced), 0)::bigint", "COALESCE(SUM(estimated), 0)::bigint",
        "COALESCE(SUM(energy_low), 0)", "COALESCE(SUM(energy), 0)", "COALESCE(SUM(energy_high), 0)",
        "COALESCE(SUM(co2e_low), 0)", "COALESCE(SUM(co2e), 0)", "COALESCE(SUM(co2e_high), 0)",
    ];
}
