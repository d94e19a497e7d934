using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

/// <summary>
/// The one translation of a <see cref="UsageQuery"/> into SQL, shared by every read and summary path (row scan,
/// rowid-range scan, hourly rollup). Each field that is set becomes one term, with its condition on <c>usage</c> rows
/// and, where the rollup can answer it, on <c>usage_rollup</c>. A field missing here would be silently ignored, so a
/// test sets every public property of <see cref="UsageQuery"/> in turn and checks that a term names it.
/// </summary>
internal sealed class SqliteUsageFilter
{
    private readonly List<Term> _terms = [];

    private SqliteUsageFilter()
    {
    }

    /// <summary>The query properties this filter constrains, one entry per term (a tag filter once per tag).</summary>
    public IEnumerable<string> Properties => _terms.Select(t => t.Property);

    /// <summary>Whether every record matches.</summary>
    public bool IsEmpty => _terms.Count == 0;

    /// <summary>
    /// Whether <c>usage_rollup</c> (hourly buckets by model, provider, source and region) can answer every term:
    /// no attribution or tag filter, and a time range on hour edges.
    /// </summary>
    public bool RollupCanAnswer => _terms.TrueForAll(t => t.Rollup is not null);

    /// <summary>Derives the terms of <paramref name="query"/>.</summary>
    public static SqliteUsageFilter From(UsageQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new SqliteUsageFilter();
        if (query.Since is { } since)
        {
            filter.Range(nameof(UsageQuery.Since), ">=", since.UtcTicks);
        }

        if (query.Until is { } until)
        {
            filter.Range(nameof(UsageQuery.Until), "<", until.UtcTicks);
        }

        filter.Equal(nameof(UsageQuery.Model), "model", query.Model, inRollup: true);
        filter.Equal(nameof(UsageQuery.Provider), "provider", query.Provider, inRollup: true);
        filter.Equal(nameof(UsageQuery.Source), "source", query.Source, inRollup: true);
        filter.Equal(nameof(UsageQuery.Project), "project", query.Project, inRollup: false);
        filter.Equal(nameof(UsageQuery.Job), "job", query.Job, inRollup: false);
        filter.Equal(nameof(UsageQuery.Task), "task", query.Task, inRollup: false);
        filter.Equal(nameof(UsageQuery.Agent), "agent", query.Agent, inRollup: false);
        filter.Equal(nameof(UsageQuery.Session), "session", query.Session, inRollup: false);
        filter.Equal(nameof(UsageQuery.User), "user_name", query.User, inRollup: false);
        foreach (var (key, value) in query.Tags)
        {
            filter._terms.Add(new Term(nameof(UsageQuery.Tags), "EXISTS (SELECT 1 FROM json_each((SELECT value FROM dims WHERE id = usage.tags)) WHERE key = {0} AND value = {1})", [key, value], null, []));
        }

        return filter;
    }

    /// <summary>
    /// Adds the parameters to <paramref name="command"/> and returns what follows <c>FROM usage</c>: nothing, or a
    /// WHERE clause. A <paramref name="seqRange"/> restricts the scan to that rowid range (one part of a parallel scan).
    /// </summary>
    public string WhereRows(SqliteCommand command, (long From, long To)? seqRange = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var clauses = new List<string>(_terms.Count + 1);
        var prefix = "";
        if (seqRange is { } range)
        {
            // Walk the rowid range itself: an index on a filtered column would turn the part into a full index scan.
            prefix = " NOT INDEXED";
            clauses.Add($"seq BETWEEN {Parameter(command, range.From)} AND {Parameter(command, range.To)}");
        }

        foreach (var term in _terms)
        {
            clauses.Add(Format(command, term.Row, term.RowValues));
        }

        return prefix + Join(clauses);
    }

    /// <summary>Adds the parameters to <paramref name="command"/> and returns what follows <c>FROM usage_rollup</c>.</summary>
    /// <exception cref="InvalidOperationException">The rollup cannot answer a term (see <see cref="RollupCanAnswer"/>).</exception>
    public string WhereRollup(SqliteCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var clauses = new List<string>(_terms.Count);
        foreach (var term in _terms)
        {
            clauses.Add(Format(command, term.Rollup ?? throw new InvalidOperationException($"The hourly rollup cannot filter on {term.Property}."), term.RollupValues));
        }

        return Join(clauses);
    }

    private void Range(string property, string comparison, long ticks)
    {
        // The rollup holds whole hours: a bound off an hour edge must be answered from the rows.
        var onEdge = ticks % SqliteSchema.RollupTicks == 0;
        _terms.Add(new Term(property, "ts " + comparison + " {0}", [ticks], onEdge ? "bucket " + comparison + " {0}" : null, [ticks / SqliteSchema.RollupTicks]));
    }

    private void Equal(string property, string column, string? value, bool inRollup)
    {
        if (value is not null)
        {
            // Rows hold the value's id in dims (none: no row matches); the rollup holds the text, with NULL as char(1), but a
            // filter value is never NULL.
            _terms.Add(new Term(property, column + " = (SELECT id FROM dims WHERE value = {0})", [value], inRollup ? column + " = {0}" : null, [value]));
        }
    }

    private static string Format(SqliteCommand command, string sql, object[] values)
    {
        var names = new object[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            names[i] = Parameter(command, values[i]);
        }

        return string.Format(CultureInfo.InvariantCulture, sql, names);
    }

    private static string Parameter(SqliteCommand command, object value)
    {
        var name = "@f" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        command.Parameters.AddWithValue(name, value);
        return name;
    }

    private static string Join(List<string> clauses) =>
        clauses.Count == 0 ? "" : new StringBuilder(" WHERE ").AppendJoin(" AND ", clauses).ToString();

    /// <summary>One condition: SQL with <c>{0}</c>, <c>{1}</c>… for its values, on rows and (if it can) on the rollup.</summary>
    private sealed record Term(string Property, string Row, object[] RowValues, string? Rollup, object[] RollupValues);
}
