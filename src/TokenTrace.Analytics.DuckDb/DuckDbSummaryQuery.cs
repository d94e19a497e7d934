using System.Globalization;
using System.Text;
using DuckDB.NET.Data;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// One summary as one DuckDB query over the copy: the filter as a <c>WHERE</c> clause, each dimension as a grouping
/// expression, the totals as exact integer sums (costs in picodollars), then the rows read into a
/// <see cref="UsageSummaryBuilder"/>.
/// </summary>
/// <remarks>
/// Time dimensions are computed in SQL from the record's UTC ticks plus the zone's offset, which the query carries as a
/// <c>CASE</c> over the offset changes inside the data's time range (a handful a year), so a day, week or month
/// groups in one pass however fine the zone's rules. The keys come back as numbers (hour, day or week number since
/// 0001-01-01, a Monday; or year × 12 + month) and are formatted as <see cref="SummaryDimension.TimeKey"/> formats them.
/// </remarks>
internal static class DuckDbSummaryQuery
{
    private const long TicksPerWeek = TimeSpan.TicksPerDay * 7;

    /// <summary>
    /// The widest time range a time dimension is computed over in SQL: its zone's offsets are listed day by day, so a
    /// stray record in the year 9999 would list millions. Wider ranges are answered by the ledger.
    /// </summary>
    private const long MaxZoneSpanTicks = TimeSpan.TicksPerDay * 366 * 200;

    /// <summary>Whether a table of monthly or daily sums answers the summary (so it reads sums, not the copy's rows).</summary>
    public static bool AnswersFromSums(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone) =>
        AllTimeAggregates.Answers(query, by) || MonthlyAggregates.For(query, by, timeZone) is not null || DailyAggregates.For(query, by, timeZone) is not null || TagAggregates.For(query, by, timeZone) is not null
        || ProjectJobAggregates.For(query, by) is not null;

    public static UsageSummary? Run(DuckDBConnection connection, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        if (AllTimeAggregates.Answers(query, by))
        {
            // One row per session already: read as they are (the order as every summary's, for the total's sake).
            command.CommandText = $"SELECT value AS k0, {DailyAggregates.RowColumns()} FROM {AllTimeAggregates.Table} ORDER BY k0 NULLS FIRST";
            return Read(command, by, timeZone, cancellationToken);
        }

        if (MonthlyAggregates.For(query, by, timeZone) is { } monthly)
        {
            var terms = monthly.Range.Concat(monthly.Filters.Select(f => $"{f.Column} = {Parameter(command, f.Value)}")).ToList();
            return RunOnSums(command, monthly.Table, terms, monthly.Keys, by, timeZone, cancellationToken);
        }

        if (TagAggregates.For(query, by, timeZone) is { } tag)
        {
            var days = new List<string>(2);
            if (tag.FromDay is { } first)
            {
                days.Add(Invariant($"day >= {first}"));
            }

            if (tag.ToDay is { } end)
            {
                days.Add(Invariant($"day < {end}"));
            }

            return RunOnSums(command, TagAggregates.Source(Parameter(command, tag.TagKey), days), [], [.. by.Select(DailyAggregates.Key)], by, timeZone, cancellationToken);
        }

        if (DailyAggregates.For(query, by, timeZone) is { } daily)
        {
            var terms = new List<string>(2);
            if (daily.FromDay is { } from)
            {
                terms.Add(Invariant($"day >= {from}"));
            }

            if (daily.ToDay is { } to)
            {
                terms.Add(Invariant($"day < {to}"));
            }

            return RunOnSums(command, daily.Table, terms, [.. by.Select(DailyAggregates.Key)], by, timeZone, cancellationToken,
                grouped: !DailyAggregates.OneRowPerGroup(daily.Table, by));
        }

        if (ProjectJobAggregates.For(query, by) is { } pairs)
        {
            var terms = pairs.Filters.Select(f => $"{f.Column} = {Parameter(command, f.Value)}").ToList();
            return RunOnSums(command, ProjectJobAggregates.Table, terms, pairs.Keys, by, timeZone, cancellationToken);
        }

        var where = Where(command, query);
        string? local = null;
        if (by.Any(d => d.IsTime) && (local = LocalTicks(connection, query, timeZone)) is null)
        {
            return null;
        }

        var keys = new List<string>(by.Count);
        var joins = new StringBuilder();
        for (var i = 0; i < by.Count; i++)
        {
            var dimension = by[i];
            if (dimension.TagKey is { } tagKey)
            {
                var alias = "t" + i.ToString(CultureInfo.InvariantCulture);
                joins.Append(CultureInfo.InvariantCulture, $" LEFT JOIN fact_tags {alias} ON {alias}.seq = f.seq AND {alias}.key = {Parameter(command, tagKey)}");
                keys.Add(alias + ".value");
            }
            else
            {
                keys.Add(dimension.Name switch
                {
                    "hour" => Invariant($"({local}) // {TimeSpan.TicksPerHour}"),
                    "day" => Invariant($"({local}) // {TimeSpan.TicksPerDay}"),
                    "week" => Invariant($"({local}) // {TicksPerWeek}"),
                    "month" => Invariant($"year({LocalDate(local)}) * 12 + month({LocalDate(local)}) - 1"),
                    "user" => "f.user_name",
                    _ => "f." + dimension.Name,
                });
            }
        }

        var sql = new StringBuilder("SELECT ");
        for (var i = 0; i < keys.Count; i++)
        {
            sql.Append(keys[i]).Append(" AS k").Append(i.ToString(CultureInfo.InvariantCulture)).Append(", ");
        }

        sql.Append(CultureInfo.InvariantCulture, $$"""
            COUNT(*), SUM(input)::BIGINT, SUM(output)::BIGINT, SUM(cache_read)::BIGINT, SUM(cache_write)::BIGINT, SUM(cache_write_1h)::BIGINT,
            SUM(reasoning)::BIGINT, SUM(cost_pico // 1000000)::BIGINT, SUM(cost_pico % 1000000)::BIGINT, COUNT(*) - COUNT(cost_pico), COUNT(energy_q),
            {{Exact("energy_low")}}, {{Exact("energy")}}, {{Exact("energy_high")}}, {{Exact("co2e_low")}}, {{Exact("co2e")}}, {{Exact("co2e_high")}}
            FROM facts f
            """).Append(joins).Append(where);
        if (keys.Count > 0)
        {
            // Ordered (nulls first, as the ledger's SQL returns them), so that the summary's total adds the groups in the same
            // order on every run (floating-point estimates) and ties keep the ledger's order.
            var groups = string.Join(", ", Enumerable.Range(0, keys.Count).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture)));
            sql.Append(" GROUP BY ").Append(groups).Append(" ORDER BY ").Append(string.Join(", ", Enumerable.Range(0, keys.Count).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture) + " NULLS FIRST")));
        }

        command.CommandText = sql.ToString();
        return Read(command, by, timeZone, cancellationToken);
    }

    /// <summary>
    /// A summary from a table of daily or monthly sums (see <see cref="DailyAggregates"/>, <see cref="MonthlyAggregates"/>):
    /// its rows matching <paramref name="terms"/>, grouped by <paramref name="keyColumns"/> (one expression per dimension).
    /// </summary>
    /// <remarks>With <paramref name="grouped"/> false the table holds one row per group already, read as it is.</remarks>
    private static UsageSummary RunOnSums(
        DuckDBCommand command, string table, IReadOnlyList<string> terms, IReadOnlyList<string> keyColumns, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone,
        CancellationToken cancellationToken, bool grouped = true)
    {
        var where = terms.Count == 0 ? "" : " WHERE " + string.Join(" AND ", terms);
        var keys = Enumerable.Range(0, by.Count).Select(i => keyColumns[i] + " AS k" + i.ToString(CultureInfo.InvariantCulture));
        var groups = string.Join(", ", Enumerable.Range(0, by.Count).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture)));
        var order = string.Join(", ", Enumerable.Range(0, by.Count).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture) + " NULLS FIRST"));
        command.CommandText = grouped
            ? $"SELECT {string.Join(", ", keys)}, {DailyAggregates.SummedColumns()} FROM {table}{where} GROUP BY {groups} ORDER BY {order}"
            : $"SELECT {string.Join(", ", keys)}, {DailyAggregates.RowColumns()} FROM {table}{where} ORDER BY {order}";
        return Read(command, by, timeZone, cancellationToken);
    }

    /// <summary>Reads rows of keys, then a record count and the sums in the order both queries select them.</summary>
    private static UsageSummary Read(DuckDBCommand command, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken)
    {
        var builder = new UsageSummaryBuilder(by, timeZone);
        using var reader = command.ExecuteReader();
        var n = by.Count;
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var records = reader.GetInt64(n);
            if (records == 0)
            {
                continue;
            }

            var values = new string?[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : by[i].IsTime ? TimeKey(by[i].Name, reader.GetInt64(i)) : reader.GetString(i);
            }

            var cost = (Long(reader, n + 7) * 0.000001m) + (Long(reader, n + 8) * 0.000000000001m);
            builder.Add(values, UsageTotals.FromSums(
                records, Long(reader, n + 1), Long(reader, n + 2), Long(reader, n + 3), Long(reader, n + 4), Long(reader, n + 5), Long(reader, n + 6),
                DecimalCanonical.Trim(cost), reader.GetInt64(n + 9), reader.GetInt64(n + 10),
                new EstimateRange(reader.GetDouble(n + 11), reader.GetDouble(n + 12), reader.GetDouble(n + 13)),
                new EstimateRange(reader.GetDouble(n + 14), reader.GetDouble(n + 15), reader.GetDouble(n + 16))));
        }

        return builder.Build();

        static long Long(DuckDBDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? 0 : reader.GetInt64(ordinal);
    }

    /// <summary>The exact sum of an estimate kept as whole nanounits plus a rest (see <see cref="FactFiles"/>).</summary>
    internal static string Exact(string column) =>
        Invariant($"(IFNULL(SUM({column}_q), 0)::DOUBLE / {FactFiles.FixedPointScale:R} + IFNULL(SUM({column}_r), 0))");

    // Days since 0001-01-01 (tick 0): local ticks are never negative, so the integer division is a floor.
    private static string LocalDate(string? local) => Invariant($"(DATE '0001-01-01' + CAST(({local}) // {TimeSpan.TicksPerDay} AS INTEGER))");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Where(DuckDBCommand command, UsageQuery query)
    {
        var terms = new List<string>();
        if (query.Since is { } since)
        {
            terms.Add("f.ts >= " + since.UtcTicks.ToString(CultureInfo.InvariantCulture));
        }

        if (query.Until is { } until)
        {
            terms.Add("f.ts < " + until.UtcTicks.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (column, value) in new[]
        {
            ("model", query.Model), ("provider", query.Provider), ("project", query.Project), ("job", query.Job), ("task", query.Task),
            ("agent", query.Agent), ("session", query.Session), ("user_name", query.User), ("source", query.Source),
        })
        {
            if (value is not null)
            {
                terms.Add($"f.{column} = {Parameter(command, value)}");
            }
        }

        foreach (var (key, value) in query.Tags)
        {
            terms.Add($"f.seq IN (SELECT seq FROM fact_tags WHERE key = {Parameter(command, key)} AND value = {Parameter(command, value)})");
        }

        return terms.Count == 0 ? "" : " WHERE " + string.Join(" AND ", terms);
    }

    private static string Parameter(DuckDBCommand command, string value)
    {
        var name = "p" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        command.Parameters.Add(new DuckDBParameter(name, value));
        return "$" + name;
    }

    /// <summary>
    /// The SQL expression for a record's local time in ticks: <c>ts</c> plus the zone's offset, as a <c>CASE</c> over
    /// the offset changes between the first and last record the query can match.
    /// </summary>
    private static string? LocalTicks(DuckDBConnection connection, UsageQuery query, TimeZoneInfo timeZone)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(ts), MAX(ts) FROM facts";
        using var reader = command.ExecuteReader();
        reader.Read();
        if (reader.IsDBNull(0))
        {
            return "f.ts";
        }

        var from = Math.Max(reader.GetInt64(0), query.Since?.UtcTicks ?? long.MinValue);
        var to = Math.Min(reader.GetInt64(1), query.Until?.UtcTicks ?? long.MaxValue);
        if (to - from > MaxZoneSpanTicks)
        {
            return null;
        }

        var segments = ZoneOffsets.Between(timeZone, from, Math.Max(from, to));
        if (segments.Count == 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"f.ts + {segments[0].Offset}");
        }

        var sql = new StringBuilder("f.ts + CASE");
        for (var i = 1; i < segments.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $" WHEN f.ts < {segments[i].From} THEN {segments[i - 1].Offset}");
        }

        return sql.Append(CultureInfo.InvariantCulture, $" ELSE {segments[^1].Offset} END").ToString();
    }

    private static string TimeKey(string dimension, long value) => dimension switch
    {
        "hour" => new DateTime(value * TimeSpan.TicksPerHour, DateTimeKind.Unspecified).ToString("yyyy-MM-dd'T'HH':00'", CultureInfo.InvariantCulture),
        "day" => new DateTime(value * TimeSpan.TicksPerDay, DateTimeKind.Unspecified).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        "week" => new DateTime(value * TicksPerWeek, DateTimeKind.Unspecified).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => new DateTime((int)(value / 12), (int)(value % 12) + 1, 1, 0, 0, 0, DateTimeKind.Unspecified).ToString("yyyy-MM", CultureInfo.InvariantCulture),
    };
}
