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
/// Groups whose records net to zero are dropped by the query, as groups with no records are everywhere else. Counts and
/// cost parts are 64-bit: one row sums at most one chunk's records of one day, each bounded (docs/methodology/limits.md);
/// whole nanounits of estimates (up to 10¹⁸ each) are kept as whole units plus nanounits, both 64-bit (see <see cref="PeriodSums"/>).
/// </para>
/// </remarks>
internal static class DailyAggregates
{
    // Declared first: static initializers run in order, and CsvColumns uses it.
    internal static readonly string[] Estimates = ["energy_low", "energy", "energy_high", "co2e_low", "co2e", "co2e_high"];

    /// <summary>The summed columns of every sums table (daily and monthly), as a <c>CREATE TABLE</c> lists them.</summary>
    internal static readonly string SumColumns = "records BIGINT, input BIGINT, output BIGINT, cache_read BIGINT, cache_write BIGINT, cache_write_1h BIGINT, "
        + "reasoning BIGINT, cost_hi BIGINT, cost_lo BIGINT, unpriced BIGINT, estimated BIGINT, "
        + string.Join(", ", Estimates.Select(e => $"{e}_hi BIGINT, {e}_lo BIGINT, {e}_r DOUBLE"));

    /// <summary>The same columns as <c>read_csv</c>'s <c>columns</c> argument lists them (after the key columns).</summary>
    internal static readonly string SumCsvColumns = "records: 'BIGINT', input: 'BIGINT', output: 'BIGINT', cache_read: 'BIGINT', "
        + "cache_write: 'BIGINT', cache_write_1h: 'BIGINT', reasoning: 'BIGINT', cost_hi: 'BIGINT', cost_lo: 'BIGINT', unpriced: 'BIGINT', estimated: 'BIGINT', "
        + string.Join(", ", Estimates.Select(e => $"{e}_hi: 'BIGINT', {e}_lo: 'BIGINT', {e}_r: 'DOUBLE'"));

    /// <summary>
    /// The dimensions kept: summary dimension name, column of <c>facts</c>, and how to read it from a record. Not
    /// <c>task</c>: tasks are mostly unique within a day (20,000 tasks over 1 M records gave 447,000 task-days), so its
    /// daily sums would be nearly as many rows as the facts and cost more to keep than they save.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Column, Func<UsageRecord, string?> ValueOf)> Dimensions =
    [
        ("project", "project", r => r.Attribution.Project), ("job", "job", r => r.Attribution.Job), ("agent", "agent", r => r.Attribution.Agent),
        ("session", "session", r => r.Attribution.Session), ("user", "user_name", r => r.Attribution.User),
    ];

    /// <summary>Summary dimension name → column of <c>facts</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Columns = Dimensions.ToDictionary(d => d.Name, d => d.Column, StringComparer.Ordinal);

    /// <summary>The <c>columns</c> argument of <c>read_csv</c> for a table's daily sums (<see cref="FactFiles.Complete"/> writes them).</summary>
    public static readonly string CsvColumns = "{day: 'BIGINT', value: 'VARCHAR', " + SumCsvColumns + "}";

    /// <summary>Empty daily sums for one chunk, one per kept dimension.</summary>
    public static IEnumerable<PeriodSums> NewSums() =>
        Dimensions.Select(d => new PeriodSums { Table = "agg_" + d.Column, PeriodOf = static ticks => ticks / TimeSpan.TicksPerDay, ValuesOf = [d.ValueOf], CsvColumns = CsvColumns });

    /// <summary>Creates the tables when missing.</summary>
    public static string CreateSql()
    {
        var sql = new StringBuilder();
        foreach (var column in Columns.Values)
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE IF NOT EXISTS agg_{column} (day BIGINT, value VARCHAR, {SumColumns});\n");
        }

        return sql.ToString();
    }

    /// <summary>Empties the tables (the copy is rebuilt).</summary>
    public static string DeleteSql() => string.Concat(Columns.Values.Select(c => $" DELETE FROM agg_{c};"));

    /// <summary>Subtracts the sums of <paramref name="source"/>'s rows (a subquery of <c>facts</c> rows about to be replaced).</summary>
    public static string SubtractSql(string source)
    {
        var sql = new StringBuilder();
        foreach (var column in Columns.Values)
        {
            sql.Append(CultureInfo.InvariantCulture, $" INSERT INTO agg_{column} SELECT ts // {TimeSpan.TicksPerDay}, {column}, {NegatedSums()} FROM {source} GROUP BY ALL;");
        }

        return sql.ToString();
    }

    /// <summary>The sums of a set of <c>facts</c> rows, negated, in the order of <see cref="SumColumns"/>.</summary>
    internal static string NegatedSums() => Sums("-");

    /// <summary>The sums of a set of <c>facts</c> rows in the order of <see cref="SumColumns"/> (filling a sums table from the rows).</summary>
    internal static string PositiveSums() => Sums("");

    private static string Sums(string sign)
    {
        var sums = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""
            {sign}COUNT(*), {sign}SUM(input), {sign}SUM(output), {sign}SUM(cache_read), {sign}SUM(cache_write), {sign}SUM(cache_write_1h), {sign}SUM(reasoning),
            {sign}SUM(cost_pico // 1000000), {sign}SUM(cost_pico % 1000000), {sign}(COUNT(*) - COUNT(cost_pico)), {sign}COUNT(energy_q)
            """);
        foreach (var estimate in Estimates)
        {
            sums.Append(CultureInfo.InvariantCulture, $", {sign}SUM({estimate}_q // {Nano}), {sign}SUM({estimate}_q % {Nano}), {sign}SUM({estimate}_r)");
        }

        return sums.ToString();
    }

    /// <summary>
    /// The sums of a sums table's rows, in the order of <see cref="SumColumns"/> and of the same types: what merging rows
    /// of one key into one row writes (see <see cref="MonthlyAggregates.CompactSql"/>, <see cref="AllTimeAggregates.MergeSql"/>).
    /// </summary>
    internal static string MergedSums() =>
        "SUM(records)::BIGINT, SUM(input)::BIGINT, SUM(output)::BIGINT, SUM(cache_read)::BIGINT, SUM(cache_write)::BIGINT, SUM(cache_write_1h)::BIGINT, "
        + "SUM(reasoning)::BIGINT, SUM(cost_hi)::BIGINT, SUM(cost_lo)::BIGINT, SUM(unpriced)::BIGINT, SUM(estimated)::BIGINT, "
        + string.Join(", ", Estimates.Select(e => $"SUM({e}_hi)::BIGINT, SUM({e}_lo)::BIGINT, SUM({e}_r)"));

    /// <summary>
    /// The daily table kept at one row per (day, value) at every commit, merged in each load's transaction: <c>--by
    /// day,project</c> (109,500 groups at 10 M records) then reads its rows without a <c>GROUP BY</c>. Its duplicates are
    /// found with a count alone (≈ 0.03 CPU-s over 136,000 rows). Not the others: <c>agg_job</c> and <c>agg_session</c> are
    /// 1.6 M and 250,000 rows, checked per 100,000-record chunk, and no shape prints them by day in bulk.
    /// </summary>
    public const string MergedTable = "agg_project";

    private const string MergedDimension = "project";

    /// <summary>
    /// Merges the rows of <paramref name="table"/> that share their <paramref name="keys"/> (NULL equal to NULL) into one
    /// row each: the duplicated keys are found with a count alone, and only their rows are summed again.
    /// </summary>
    internal static string MergeDuplicatesSql(string table, IReadOnlyList<string> keys)
    {
        var columns = string.Join(", ", keys);
        var same = string.Join(" AND ", keys.Select(k => $"a.{k} IS NOT DISTINCT FROM d.{k}"));
        return $"""
             CREATE OR REPLACE TEMP TABLE duplicated AS SELECT {columns} FROM {table} GROUP BY ALL HAVING COUNT(*) > 1;
             CREATE OR REPLACE TEMP TABLE merged AS
                 SELECT {string.Join(", ", keys.Select(k => "a." + k))}, {MergedSums()} FROM {table} a SEMI JOIN duplicated d ON {same}
                 GROUP BY ALL;
             DELETE FROM {table} a USING duplicated d WHERE {same};
             INSERT INTO {table} SELECT * FROM merged;
             DROP TABLE duplicated;
             DROP TABLE merged;
            """;
    }

    /// <summary>Whether <paramref name="table"/>'s rows are the groups of a summary by <paramref name="by"/> (so it needs no <c>GROUP BY</c>).</summary>
    public static bool OneRowPerGroup(string table, IReadOnlyList<SummaryDimension> by) =>
        table == MergedTable && by.Count == 2 && by.Any(d => d.Name == "day") && by.Any(d => d.Name == MergedDimension);

    /// <summary>The names of the summed columns of every sums table, in the order of <see cref="SumColumns"/>.</summary>
    internal static readonly IReadOnlyList<string> SumColumnNames =
    [
        "records", "input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning", "cost_hi", "cost_lo", "unpriced", "estimated",
        .. Estimates.SelectMany(e => new[] { e + "_hi", e + "_lo", e + "_r" }),
    ];

    /// <summary>
    /// The table that answers a summary by <paramref name="by"/> over <paramref name="query"/> in <paramref name="timeZone"/>,
    /// with the day range to read; null when the daily sums cannot answer it (another dimension, a filter, a bound inside
    /// a UTC day, or days, weeks or months in a zone other than UTC).
    /// </summary>
    /// <remarks>
    /// <paramref name="by"/> is one kept dimension, alone or with <c>day</c>, <c>week</c> or <c>month</c> when the zone is
    /// UTC, or one of those alone: UTC days are the sums' own keys, and weeks (from Monday 0001-01-01) and months are
    /// whole UTC days.
    /// </remarks>
    public static (string Table, long? FromDay, long? ToDay)? For(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        var attribution = by.Where(d => !d.IsTime).ToList();
        var times = by.Where(d => d.IsTime).ToList();

        // Days, weeks or months alone: every table holds every record (its value may be null), so the smallest one
        // (agent: a few dozen values a day) gives the day's totals.
        var column = "agent";
        if ((attribution.Count == 0 ? times.Count != 1 : attribution.Count != 1 || times.Count > 1 || attribution[0].TagKey is not null || !Columns.TryGetValue(attribution[0].Name, out column!))
            || (times.Count == 1 && (times[0].Name is not ("day" or "week" or "month") || !IsUtc(timeZone)))
            || query is not { Model: null, Provider: null, Project: null, Job: null, Task: null, Agent: null, Session: null, User: null, Source: null }
            || query.Tags.Count > 0)
        {
            return null;
        }

        if (!DailyAggregates.TryWholeUtcDays(query, out var from, out var to))
        {
            return null;
        }

        return ("agg_" + column, from, to);
    }

    /// <summary>The key a summary groups by for <paramref name="dimension"/>, from a daily-sums row (<c>day</c> is days since 0001-01-01 UTC).</summary>
    public static string Key(SummaryDimension dimension) => dimension.Name switch
    {
        "day" => "day",
        "week" => "day // 7",
        "month" => "year(DATE '0001-01-01' + CAST(day AS INTEGER)) * 12 + month(DATE '0001-01-01' + CAST(day AS INTEGER)) - 1",
        _ => "value",
    };

    /// <summary>
    /// The range of <paramref name="query"/> as UTC day numbers (days since 0001-01-01; null for an open end), or false
    /// when an end falls inside a day: the daily sums cannot answer a part of a day.
    /// </summary>
    internal static bool TryWholeUtcDays(UsageQuery query, out long? from, out long? to)
    {
        from = to = null;
        if (query.Since is { } since)
        {
            if (since.UtcTicks % TimeSpan.TicksPerDay != 0)
            {
                return false;
            }

            from = since.UtcTicks / TimeSpan.TicksPerDay;
        }

        if (query.Until is { } until)
        {
            if (until.UtcTicks % TimeSpan.TicksPerDay != 0)
            {
                return false;
            }

            to = until.UtcTicks / TimeSpan.TicksPerDay;
        }

        return true;
    }

    // Zones whose offset is zero at every instant: UTC under any of its names.
    internal static bool IsUtc(TimeZoneInfo timeZone) =>
        timeZone.BaseUtcOffset == TimeSpan.Zero && !timeZone.SupportsDaylightSavingTime && timeZone.GetAdjustmentRules().Length == 0;

    /// <summary>The columns a summary reads, in <see cref="DuckDbSummaryQuery"/>'s order, summed over the table's rows.</summary>
    public static string SummedColumns() =>
        "SUM(records)::BIGINT, SUM(input)::BIGINT, SUM(output)::BIGINT, SUM(cache_read)::BIGINT, SUM(cache_write)::BIGINT, SUM(cache_write_1h)::BIGINT, "
        + "SUM(reasoning)::BIGINT, SUM(cost_hi)::BIGINT, SUM(cost_lo)::BIGINT, SUM(unpriced)::BIGINT, SUM(estimated)::BIGINT, "
        + string.Join(", ", Estimates.Select(ExactSum));

    /// <summary>
    /// The same columns as <see cref="SummedColumns"/> from one row of a sums table that holds one row per key (no
    /// <c>GROUP BY</c>): each estimate joined from its row's whole units, nanounits and rest as <see cref="ExactSum"/> joins
    /// a group's.
    /// </summary>
    public static string RowColumns() =>
        "records, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost_hi, cost_lo, unpriced, estimated, "
        + string.Join(", ", Estimates.Select(e => string.Create(CultureInfo.InvariantCulture,
            $"((IFNULL({e}_hi, 0)::HUGEINT * {Nano} + IFNULL({e}_lo, 0))::DOUBLE / {FactFiles.FixedPointScale.ToString("R", CultureInfo.InvariantCulture)} + IFNULL({e}_r, 0))")));

    /// <summary>Whole nanounits per unit: a sums table keeps an estimate's whole nanounits as whole units and the nanounits below.</summary>
    internal const long Nano = 1_000_000_000;

    /// <summary>
    /// The exact sum of an estimate over sums-table rows: whole units and nanounits are summed in 64 bits (each row's are
    /// below 10⁹ per record, see <see cref="PeriodSums"/>), joined in 128 bits once per group, then the rest is added —
    /// the same double as <see cref="DuckDbSummaryQuery.Exact"/> over the rows.
    /// </summary>
    private static string ExactSum(string column) => string.Create(CultureInfo.InvariantCulture,
        $"((IFNULL(SUM({column}_hi), 0)::HUGEINT * {Nano} + IFNULL(SUM({column}_lo), 0))::DOUBLE / {FactFiles.FixedPointScale.ToString("R", CultureInfo.InvariantCulture)} + IFNULL(SUM({column}_r), 0))");
}
