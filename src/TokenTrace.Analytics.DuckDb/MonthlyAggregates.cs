using System.Globalization;
using System.Text;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// Monthly sums kept beside the copy's rows and daily sums: a row of sums per UTC month and key, for <c>task</c> alone,
/// for each of <c>project</c>, <c>job</c>, <c>agent</c> and <c>user</c> with <c>model</c>, and for <c>agent</c> with <c>user</c>. Chunks append rows;
/// after each catch-up the months it touched are merged to one row per (month, key), so a table holds about as many
/// rows as distinct keys per month, whatever the number of records.
/// </summary>
/// <remarks>
/// <para>
/// At 10 M records, <c>--by task</c> read every row (2.1 s) and DuckDB's hash aggregation of 20,000 keys with 20 sums each
/// was most of it; task-days are nearly as many as the records (decisions.md, "Daily sums in the analytics copy"), task-months
/// are 12 × 20,000. A (dimension, model) table answers the dimension alone, the pair with <c>model</c>, and either one
/// filtered by the other (<c>--by job --model o3</c>, <c>--by model --project p</c>): 8 models multiply the rows by at
/// most 8, and <c>job</c>'s daily sums were already 1.6 M rows against 5,000 jobs × 8 models × 12 months.
/// </para>
/// <para>
/// A summary uses a table when its dimensions and filters are all among the table's keys (plus <c>month</c> in UTC), with
/// no tag, and its range is unbounded or on UTC month edges; otherwise <see cref="DailyAggregates"/> or the rows answer.
/// Merged rows are exact as the daily ones are: counts and cost parts in 64 bits (a month's records at the bounds of
/// docs/methodology/limits.md stay below 2⁶³ up to 1.8 billion records, and a cast that would overflow fails the
/// catch-up, which the ledger then answers), and so are the estimates' whole units and nanounits (see <see cref="PeriodSums"/>).
/// </para>
/// </remarks>
internal static class MonthlyAggregates
{
    /// <summary>The kept tables: name and key columns (summary dimension name, column of <c>facts</c>, how to read it from a record).</summary>
    public static readonly IReadOnlyList<(string Table, IReadOnlyList<(string Name, string Column, Func<UsageRecord, string?> ValueOf)> Keys)> Tables = Build();

    private const string Model = "model";

    /// <summary>The SQL for a row's UTC month number (year × 12 + month − 1) from <c>ts</c> (ticks).</summary>
    public static readonly string MonthOfTicks = string.Create(CultureInfo.InvariantCulture,
        $"year(DATE '0001-01-01' + CAST(ts // {TimeSpan.TicksPerDay} AS INTEGER)) * 12 + month(DATE '0001-01-01' + CAST(ts // {TimeSpan.TicksPerDay} AS INTEGER)) - 1");

    private static List<(string, IReadOnlyList<(string, string, Func<UsageRecord, string?>)>)> Build()
    {
        (string, string, Func<UsageRecord, string?>) model = (Model, Model, static r => r.Model);
        var tables = new List<(string, IReadOnlyList<(string, string, Func<UsageRecord, string?>)>)>
        {
            ("aggm_task", [("task", "task", static r => r.Attribution.Task)]),
        };
        foreach (var (name, column, valueOf) in DailyAggregates.Dimensions.Where(d => d.Name != "session"))
        {
            tables.Add(($"aggm_{column}_model", [(name, column, valueOf), model]));
        }

        // The one pair of two attribution dimensions kept: 40 agents × 400 users made 200,000 (month, agent, user) rows at
        // 10 M records, against 2.4 M (month, project, job) rows (decisions.md, "Tag sums and the agent-user pair").
        var byName = DailyAggregates.Dimensions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        tables.Add(("aggm_agent_user", [byName["agent"], byName["user"]]));
        return tables;
    }

    /// <summary>The UTC month number of <paramref name="utcTicks"/> (year × 12 + month − 1, as <see cref="MonthOfTicks"/>).</summary>
    public static long MonthOf(long utcTicks)
    {
        var date = new DateTime(utcTicks, DateTimeKind.Utc);
        return (date.Year * 12L) + date.Month - 1;
    }

    /// <summary>Empty monthly sums for one chunk, one per table.</summary>
    public static IEnumerable<PeriodSums> NewSums() =>
        Tables.Select(t => new PeriodSums { Table = t.Table, PeriodOf = MonthOf, ValuesOf = [.. t.Keys.Select(k => k.ValueOf)], CsvColumns = CsvColumns(t.Keys) });

    private static string CsvColumns(IReadOnlyList<(string Name, string Column, Func<UsageRecord, string?> ValueOf)> keys) =>
        "{month: 'BIGINT', " + string.Concat(keys.Select(k => k.Column + ": 'VARCHAR', ")) + DailyAggregates.SumCsvColumns + "}";

    private static string KeyColumns(IReadOnlyList<(string Name, string Column, Func<UsageRecord, string?> ValueOf)> keys) =>
        string.Join(", ", keys.Select(k => k.Column));

    /// <summary>Creates the tables when missing.</summary>
    public static string CreateSql() => string.Concat(Tables.Select(t =>
        $"CREATE TABLE IF NOT EXISTS {t.Table} (month BIGINT, {string.Join(", ", t.Keys.Select(k => k.Column + " VARCHAR"))}, {DailyAggregates.SumColumns});\n"));

    /// <summary>Fills <paramref name="table"/> from the copy's rows, one row per (month, key) (a copy of an earlier format without it).</summary>
    public static string FillSql(string table)
    {
        var keys = Tables.Single(t => t.Table == table).Keys;
        return $" INSERT INTO {table} SELECT {MonthOfTicks} AS month, {KeyColumns(keys)}, {DailyAggregates.PositiveSums()} FROM facts GROUP BY ALL ORDER BY ALL;";
    }

    /// <summary>Empties the tables (the copy is rebuilt).</summary>
    public static string DeleteSql() => string.Concat(Tables.Select(t => $" DELETE FROM {t.Table};"));

    /// <summary>Subtracts the sums of <paramref name="source"/>'s rows (a subquery of <c>facts</c> rows about to be replaced).</summary>
    public static string SubtractSql(string source) => string.Concat(Tables.Select(t =>
        $" INSERT INTO {t.Table} SELECT {MonthOfTicks}, {KeyColumns(t.Keys)}, {DailyAggregates.NegatedSums()} FROM {source} GROUP BY ALL;"));

    /// <summary>
    /// Merges each table's rows from <paramref name="fromMonth"/> on (every row when null) to one row per (month, key),
    /// in one transaction per table: what chunks appended becomes as many rows as there are keys.
    /// </summary>
    public static IEnumerable<string> CompactSql(long? fromMonth)
    {
        var where = fromMonth is { } from ? string.Create(CultureInfo.InvariantCulture, $" WHERE month >= {from}") : "";
        var sums = DailyAggregates.MergedSums();
        foreach (var (table, keys) in Tables)
        {
            var columns = KeyColumns(keys);
            yield return $"""
                BEGIN TRANSACTION;
                CREATE OR REPLACE TEMP TABLE merged AS SELECT month, {columns}, {sums} FROM {table}{where} GROUP BY month, {columns};
                DELETE FROM {table}{where};
                INSERT INTO {table} SELECT * FROM merged ORDER BY month, {columns};
                DROP TABLE merged;
                COMMIT;
                """;
        }
    }

    /// <summary>
    /// The table that answers a summary by <paramref name="by"/> over <paramref name="query"/> in <paramref name="timeZone"/>:
    /// its name, its <c>WHERE</c> terms (the month range; filters as (column, value) pairs) and the key expression per
    /// dimension; null when no table answers it.
    /// </summary>
    public static (string Table, IReadOnlyList<string> Range, IReadOnlyList<(string Column, string Value)> Filters, IReadOnlyList<string> Keys)? For(
        UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        if (query.Tags.Count > 0 || query.Provider is not null || query.Session is not null || query.Source is not null
            || by.Any(d => d.TagKey is not null || (d.IsTime && (d.Name != "month" || !DailyAggregates.IsUtc(timeZone)))))
        {
            return null;
        }

        var filters = new List<(string Name, string Value)>();
        foreach (var (name, value) in new[] { (Model, query.Model), ("project", query.Project), ("job", query.Job), ("task", query.Task), ("agent", query.Agent), ("user", query.User) })
        {
            if (value is not null)
            {
                filters.Add((name, value));
            }
        }

        var needed = by.Where(d => !d.IsTime).Select(d => d.Name).Concat(filters.Select(f => f.Name)).ToHashSet(StringComparer.Ordinal);
        if (needed.Count == 0)
        {
            return null;
        }

        var range = new List<string>(2);
        foreach (var (bound, op) in new[] { (query.Since, ">="), (query.Until, "<") })
        {
            if (bound is { } instant)
            {
                var utc = instant.UtcDateTime;
                if (utc != new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc))
                {
                    return null;
                }

                range.Add(string.Create(CultureInfo.InvariantCulture, $"month {op} {MonthOf(instant.UtcTicks)}"));
            }
        }

        // The table with the fewest keys that holds every one needed (task alone before the pairs).
        foreach (var (table, keys) in Tables.OrderBy(t => t.Keys.Count))
        {
            var names = keys.ToDictionary(k => k.Name, k => k.Column, StringComparer.Ordinal);
            if (needed.All(names.ContainsKey))
            {
                return (table, range, [.. filters.Select(f => (names[f.Name], f.Value))], [.. by.Select(d => d.IsTime ? "month" : names[d.Name])]);
            }
        }

        return null;
    }
}
