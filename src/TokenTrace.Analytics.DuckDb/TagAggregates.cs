using System.Globalization;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// Daily sums per tag kept beside the copy's rows: one table, <c>agg_tag</c>, with a row of sums per UTC day, tag key
/// and tag value for each loaded chunk (a record with two tags adds to two rows). A summary by <c>tag:KEY</c> alone, or
/// with UTC days, weeks or months, over whole UTC days and with no filter, reads these rows instead of joining every
/// record with its tags.
/// </summary>
/// <remarks>
/// <para>
/// At 10 M records with 15 M tag rows, <c>--by tag:env</c> joined both tables: 5.8–6.1 s wall and 11 CPU-s on a quiet
/// machine. Tags are few keys with few values each (environments, teams), so a day holds a few dozen rows per chunk.
/// </para>
/// <para>
/// The group of records without the key (null in the summary) is not in the table: it is every record (the daily sums
/// of <c>agent</c>, which hold all records) minus the records with the key, added as negated rows. Counts, tokens, cost
/// parts and the estimates' whole units and nanounits are integers, so that group is exact as the others are; only the
/// estimates' rests (each below half a nanounit) are subtracted in floating point. Rows follow revisions as the daily
/// sums do (negated rows of the replaced records' tags, see <see cref="SubtractSql"/>).
/// </para>
/// </remarks>
internal static class TagAggregates
{
    /// <summary>The table's name.</summary>
    public const string Table = "agg_tag";

    private static readonly string CsvColumns = "{day: 'BIGINT', tag_key: 'VARCHAR', tag_value: 'VARCHAR', " + DailyAggregates.SumCsvColumns + "}";

    /// <summary>Empty tag sums for one chunk.</summary>
    public static PeriodSums NewSums() =>
        new() { Table = Table, PeriodOf = static ticks => ticks / TimeSpan.TicksPerDay, PairsOf = static r => r.Attribution.Tags, CsvColumns = CsvColumns };

    /// <summary>Creates the table when missing.</summary>
    public static string CreateSql() => $"CREATE TABLE IF NOT EXISTS {Table} (day BIGINT, tag_key VARCHAR, tag_value VARCHAR, {DailyAggregates.SumColumns});\n";

    /// <summary>Empties the table (the copy is rebuilt).</summary>
    public static string DeleteSql() => $" DELETE FROM {Table};";

    /// <summary>Subtracts the sums of <paramref name="source"/>'s rows' tags (a subquery of <c>facts</c> rows about to be replaced, before their tags are deleted).</summary>
    public static string SubtractSql(string source) => string.Create(CultureInfo.InvariantCulture,
        $" INSERT INTO {Table} SELECT f.ts // {TimeSpan.TicksPerDay}, t.key, t.value, {DailyAggregates.NegatedSums()} FROM {source} f JOIN fact_tags t ON t.seq = f.seq GROUP BY ALL;");

    /// <summary>Fills the table from the copy's rows and tags (a copy of an earlier format that has rows but no tag sums).</summary>
    public static string FillSql() => string.Create(CultureInfo.InvariantCulture,
        $" INSERT INTO {Table} SELECT f.ts // {TimeSpan.TicksPerDay}, t.key, t.value, {DailyAggregates.PositiveSums()} FROM facts f JOIN fact_tags t ON t.seq = f.seq GROUP BY ALL;");

    /// <summary>
    /// The tag key and UTC day range of a summary the tag sums answer: <paramref name="by"/> is one <c>tag:KEY</c>, alone
    /// or with <c>day</c>, <c>week</c> or <c>month</c> in UTC; no filter; bounds on UTC day edges. Null otherwise.
    /// </summary>
    public static (string TagKey, long? FromDay, long? ToDay)? For(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone)
    {
        var tags = by.Where(d => d.TagKey is not null).ToList();
        var times = by.Where(d => d.IsTime).ToList();
        if (tags.Count != 1 || tags.Count + times.Count != by.Count || times.Count > 1
            || (times.Count == 1 && (times[0].Name is not ("day" or "week" or "month") || !DailyAggregates.IsUtc(timeZone)))
            || query is not { Model: null, Provider: null, Project: null, Job: null, Task: null, Agent: null, Session: null, User: null, Source: null }
            || query.Tags.Count > 0)
        {
            return null;
        }

        if (!DailyAggregates.TryWholeUtcDays(query, out var from, out var to))
        {
            return null;
        }

        return (tags[0].TagKey!, from, to);
    }

    /// <summary>
    /// The rows a summary by a tag groups, as a subquery with the columns of a daily-sums table (<c>day</c>, <c>value</c>,
    /// sums): the tag's rows by value, every record's rows (from <c>agg_agent</c>) as the null value, and the tag's rows
    /// negated as the null value, so that the null group is the records without the tag.
    /// </summary>
    /// <param name="keyParameter">The SQL parameter holding the tag key.</param>
    /// <param name="dayTerms">The day range as <c>WHERE</c> terms over <c>day</c> (none for every day).</param>
    public static string Source(string keyParameter, IReadOnlyList<string> dayTerms)
    {
        var days = dayTerms.Count == 0 ? "" : " AND " + string.Join(" AND ", dayTerms);
        var allDays = dayTerms.Count == 0 ? "" : " WHERE " + string.Join(" AND ", dayTerms);
        return $"(SELECT day, tag_value AS value, {Columns("")} FROM {Table} WHERE tag_key = {keyParameter}{days}"
            + $" UNION ALL SELECT day, NULL, {Columns("")} FROM agg_agent{allDays}"
            + $" UNION ALL SELECT day, NULL, {Columns("-")} FROM {Table} WHERE tag_key = {keyParameter}{days})";
    }

    // The sum columns by name, each negated when sign is "-".
    private static string Columns(string sign) => string.Join(", ", DailyAggregates.SumColumnNames.Select(c => sign.Length == 0 ? c : $"-{c} AS {c}"));
}
