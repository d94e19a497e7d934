using System.Globalization;
using System.Text;

namespace TokenTrace.PostgreSql;

/// <summary>
/// The sums kept beside the records, which hold every record up to the watermark (schema 4: <c>rollup_watermark</c>, a
/// sequence number of <c>usage_ids</c>; the records past it are folded in by a catch-up, and a summary reads them as rows
/// meanwhile), so that with those rows they always equal a sum over the rows: hourly sums by model, provider, source and
/// region (<c>usage_hourly</c>), daily (UTC) sums by one attribution dimension each (<c>usage_daily_project</c>, <c>_job</c>, <c>_agent</c>, <c>_user_name</c>; schema 2),
/// and monthly (UTC) sums by job and by user (<c>usage_monthly_job</c>, <c>_user_name</c>; schema 3). A summary those
/// keys answer reads these few rows instead of every record: the coarsest level for the whole buckets of its range, the
/// finer ones for the edges, the records for the parts of a bucket at its ends (<see cref="Covering"/>).
/// </summary>
/// <remarks>
/// A catch-up adds one <c>GROUP BY</c> of all the rows past the watermark per table, upserted in key order (schemas 2 and 3
/// did so for each batch, inside its append: a batch from a sparse history touched nearly one group per record); a revision subtracts the record's old row and adds its new
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

    /// <summary>The hourly sums by model, provider, source and region (schema 2).</summary>
    public static readonly PostgreSqlRollupTable Hourly = new("usage_hourly", HourlyKeys, TimeSpan.TicksPerHour);

    /// <summary>The attribution columns also kept as monthly sums (schema 3): those whose daily sums grow with the records.</summary>
    public static readonly string[] MonthlyColumns = ["job", "user_name"];

    /// <summary>The tables of schema 2: the hourly sums and the daily sums of each of <see cref="DailyColumns"/>.</summary>
    public static readonly PostgreSqlRollupTable[] Schema2Tables =
        [Hourly, .. DailyColumns.Select(c => new PostgreSqlRollupTable("usage_daily_" + c, [c], TimeSpan.TicksPerDay))];

    /// <summary>The tables schema 3 adds: the monthly sums of each of <see cref="MonthlyColumns"/>.</summary>
    public static readonly PostgreSqlRollupTable[] Schema3Tables =
        [.. MonthlyColumns.Select(c => new PostgreSqlRollupTable("usage_monthly_" + c, [c], 0))];

    /// <summary>Every table of sums the latest schema keeps, all updated by every append and revision.</summary>
    public static readonly PostgreSqlRollupTable[] Tables = [.. Schema2Tables, .. Schema3Tables];

    /// <summary>
    /// The tables that sum by <paramref name="column"/> (one of <see cref="DailyColumns"/>), coarsest first: the monthly
    /// sums where they exist, then the daily ones.
    /// </summary>
    public static IReadOnlyList<PostgreSqlRollupTable> LevelsOf(string column) =>
        [.. Tables.Where(t => t.Keys is [var key] && key == column).OrderBy(t => t.Monthly ? 0 : 1)];

    /// <summary>Creates <paramref name="tables"/>.</summary>
    public static string CreateSql(IEnumerable<PostgreSqlRollupTable> tables)
    {
        var sql = new StringBuilder();
        var sums = string.Join(", ", Sums.Select(s => $"{s.Name} {s.SqlType} NOT NULL"));
        foreach (var table in tables)
        {
            // NULLS NOT DISTINCT (PostgreSQL 15): records without a project are one group, as in a summary. Pages half
            // full: a batch updates a sum in place (a HOT update, no new index entry) when its page has room.
            sql.Append(CultureInfo.InvariantCulture,
                $"CREATE TABLE {table.Name} (bucket bigint NOT NULL, {string.Join(", ", table.Keys.Select(k => k + " text"))}, {sums}, UNIQUE NULLS NOT DISTINCT (bucket, {string.Join(", ", table.Keys)})) WITH (fillfactor = 50);\n");
        }

        return sql.ToString();
    }

    /// <summary>
    /// Data-modifying <c>WITH</c> items (each starting with a comma) that add the rows of <paramref name="source"/> (a
    /// relation with <see cref="RowColumns"/>) to every table of <paramref name="tables"/> (by default every table of the
    /// latest schema); when <paramref name="signed"/>, each row also has a <c>sign</c> column (1 adds the row, -1 takes it away).
    /// </summary>
    public static string UpsertCtes(string source, bool signed, IEnumerable<PostgreSqlRollupTable>? tables = null)
    {
        var sql = new StringBuilder();
        var i = 0;
        foreach (var table in tables ?? Tables)
        {
            var keys = table.Keys;
            var sums = string.Join(", ", Sums.Select(s => signed ? $"SUM(sign * {s.FromRow})" : s.FromRow == "1" ? "COUNT(*)" : $"SUM({s.FromRow})"));
            var groups = string.Join(", ", Enumerable.Range(1, keys.Length + 1));
            var updates = string.Join(", ", Sums.Select(s => $"{s.Name} = r.{s.Name} + EXCLUDED.{s.Name}"));
            sql.Append(CultureInfo.InvariantCulture, $"""
                , rollup{i++} AS (
                    INSERT INTO {table.Name} AS r (bucket, {string.Join(", ", keys)}, {string.Join(", ", Sums.Select(s => s.Name))})
                    SELECT {table.BucketOf("ts")}, {string.Join(", ", keys)}, {sums} FROM {source} GROUP BY {groups} ORDER BY {groups}
                    ON CONFLICT (bucket, {string.Join(", ", keys)}) DO UPDATE SET {updates}
                )

                """);
        }

        return sql.ToString();
    }

    /// <summary>Fills the tables of schema 2 from the rows already stored (the migration to schema 2).</summary>
    public static string BackfillSql() => $"WITH src AS (SELECT {RowColumns} FROM usage){UpsertCtes("src", signed: false, Schema2Tables)} SELECT 1;\n";

    /// <summary>
    /// Fills the monthly tables of schema 3 from the daily sums of the same column (the migration to schema 3): a month
    /// is the sum of its days, so the records are not read again.
    /// </summary>
    public static string BackfillMonthlySql()
    {
        var sql = new StringBuilder();
        foreach (var monthly in Schema3Tables)
        {
            var daily = Schema2Tables.Single(t => !t.Monthly && t.Keys.SequenceEqual(monthly.Keys));
            var keys = string.Join(", ", monthly.Keys);
            sql.Append(CultureInfo.InvariantCulture,
                $"INSERT INTO {monthly.Name} (bucket, {keys}, {string.Join(", ", Sums.Select(s => s.Name))}) SELECT {monthly.BucketOf(daily.StartOf("bucket"))}, {keys}, {string.Join(", ", Sums.Select(s => $"SUM({s.Name})"))} FROM {daily.Name} GROUP BY 1, 2;\n");
        }

        return sql.ToString();
    }

    /// <summary>
    /// A relation shaped as <c>usage</c> for the summary query (<c>ts</c> at the start of each bucket, the key columns
    /// under their own names, the sums under the rollups' names) that covers the range from <paramref name="since"/> to
    /// <paramref name="until"/> (UTC ticks, null for unbounded) with the coarsest of <paramref name="levels"/> (sums by the
    /// same keys, coarsest first, each bucket a whole number of the next one's) that fits, the finer levels for the edges
    /// it leaves, and the records themselves for the parts of a bucket of the finest level at the ends: a range from
    /// 10:30 on the 3rd to now is rows to midnight, days to the 1st of the next month, months, days of this month, rows of
    /// today. Null when the range holds no whole bucket of the finest level (the rows answer it as cheaply).
    /// </summary>
    public static string? Covering(IReadOnlyList<PostgreSqlRollupTable> levels, long? since, long? until)
    {
        var finest = levels[^1];
        long? from = since is { } s ? finest.Ceiling(s) : null, to = until is { } u ? finest.Floor(u) : null;
        if (from >= to)
        {
            return null;
        }

        var pieces = new List<string>();
        var keys = string.Join(", ", finest.Keys);
        var columns = string.Join(", ", Sums.Select(x => $"SUM(({x.FromRow})::{x.SqlType})::{x.SqlType} AS {x.Name}"));

        // The records past the watermark (schema 4, parameter @watermark, which the caller read in the snapshot or under
        // the lock this statement runs in) that fall where the sums answer: not yet in any sum, so read as rows, through
        // their claims (indexed by seq). A value, not a subquery: the planner then knows the tail is short and reads it
        // through the index, where a subquery's unknown value made it guess a third of the ledger. Summed per bucket of
        // the finest level, as the sums are.
        var tail = from is null && to is null ? "true" : Ranges("i.ts", [(from, to)], t => t);
        pieces.Add($"SELECT {finest.StartOf(finest.BucketOf("u.ts"))} AS ts, {keys}, {columns} FROM usage_ids i JOIN usage u ON u.ts = i.ts AND u.seq = i.seq "
            + $"WHERE i.seq > @watermark AND {tail} GROUP BY 1, {keys}");
        var rows = Ranges("ts", [(since, from), (to, until)], t => t);
        if (rows is not null)
        {
            // Summed per bucket of the finest level (which the summary's time dimensions allow), as the rollups are.
            pieces.Add($"SELECT {finest.StartOf(finest.BucketOf("ts"))} AS ts, {keys}, {columns} FROM usage WHERE {rows} GROUP BY 1, {keys}");
        }

        // From the finest level up: each coarser level takes the whole buckets it holds, the finer one keeps the edges.
        for (var i = levels.Count - 1; i >= 0; i--)
        {
            var level = levels[i];
            List<(long?, long?)> ranges = [(from, to)];
            if (i > 0)
            {
                var coarser = levels[i - 1];
                long? innerFrom = from is { } f ? coarser.Ceiling(f) : null, innerTo = to is { } t ? coarser.Floor(t) : null;
                if (!(innerFrom >= innerTo))
                {
                    ranges = [(from, innerFrom), (innerTo, to)];
                    (from, to) = (innerFrom, innerTo);
                }
                else
                {
                    i = 0; // no whole bucket of the coarser levels: this level covers the rest
                }
            }

            if (ranges.Count == 1 && ranges[0] is (null, null))
            {
                pieces.Add(Select(level, null));
            }
            else if (Ranges("bucket", ranges, level.BucketValue) is { } where)
            {
                pieces.Add(Select(level, where));
            }
        }

        return $"({string.Join(" UNION ALL ", pieces)}) AS usage";

        static string Select(PostgreSqlRollupTable level, string? where) =>
            $"SELECT {level.StartOf("bucket")} AS ts, {string.Join(", ", level.Keys)}, {string.Join(", ", Sums.Select(x => x.Name))} FROM {level.Name}"
            + (where is null ? "" : " WHERE " + where);
    }

    /// <summary>
    /// The condition that <paramref name="column"/> lies in one of <paramref name="ranges"/> (bounds in ticks, mapped by
    /// <paramref name="value"/>; null for unbounded), leaving out empty ones; null when all are empty.
    /// </summary>
    private static string? Ranges(string column, IEnumerable<(long? From, long? To)> ranges, Func<long, long> value)
    {
        var conditions = new List<string>();
        foreach (var (from, to) in ranges)
        {
            if (from == to)
            {
                continue;
            }

            var bounds = new List<string>(2);
            if (from is { } f)
            {
                bounds.Add(string.Create(CultureInfo.InvariantCulture, $"{column} >= {value(f)}"));
            }

            if (to is { } t)
            {
                bounds.Add(string.Create(CultureInfo.InvariantCulture, $"{column} < {value(t)}"));
            }

            conditions.Add(bounds.Count == 0 ? "true" : "(" + string.Join(" AND ", bounds) + ")");
        }

        return conditions.Count == 0 ? null : "(" + string.Join(" OR ", conditions) + ")";
    }

    /// <summary>The summed columns of every rollup table, in the order of <see cref="SummarySums"/>.</summary>
    public static readonly string[] SumColumns = [.. Sums.Select(s => s.Name)];

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
