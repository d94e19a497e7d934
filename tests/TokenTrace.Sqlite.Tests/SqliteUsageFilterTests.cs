using System.Reflection;
using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteUsageFilterTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A value for each settable <see cref="UsageQuery"/> property; a new property type fails here until it gets one.</summary>
    private static object ValueFor(PropertyInfo property) => property.PropertyType switch
    {
        var t when t == typeof(DateTimeOffset?) => At,
        var t when t == typeof(string) => "x",
        var t when t == typeof(IReadOnlyDictionary<string, string>) => new Dictionary<string, string> { ["team"] = "x" },
        var t => throw new InvalidOperationException($"UsageQuery.{property.Name} has a type ({t}) this test cannot fill: teach it, and SqliteUsageFilter."),
    };

    public static TheoryData<string> QueryProperties() =>
        [.. typeof(UsageQuery).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(QueryProperties))]
    public void Every_query_property_becomes_a_condition_on_rows(string name)
    {
        var property = typeof(UsageQuery).GetProperty(name)!;
        var query = new UsageQuery();
        property.SetValue(query, ValueFor(property));

        var filter = SqliteUsageFilter.From(query);
        Assert.Equal([name], filter.Properties);
        using var command = new SqliteCommand();
        Assert.StartsWith(" WHERE ", filter.WhereRows(command), StringComparison.Ordinal);
        Assert.NotEmpty(command.Parameters);
    }

    [Theory]
    [MemberData(nameof(QueryProperties))]
    public async Task Every_query_property_filters_the_summary_on_every_path(string name)
    {
        // One matching record and one that differs in every field; the summary must count only the first, whether it is
        // answered from the rows, from the rollup, or would have been split by rowid range.
        var property = typeof(UsageQuery).GetProperty(name)!;
        var query = new UsageQuery();
        property.SetValue(query, ValueFor(property));
        var match = new UsageRecord
        {
            Id = "match", Timestamp = At, Model = "x", Provider = "x", Source = "x",
            Attribution = new Attribution { Project = "x", Job = "x", Task = "x", Agent = "x", Session = "x", User = "x", Tags = new Dictionary<string, string> { ["team"] = "x" } },
        };
        var other = new UsageRecord { Id = "other", Timestamp = At.AddDays(name == "Since" ? -1 : 1), Model = "y", Provider = "y", Source = "y" };
        if (name == "Until")
        {
            match = match with { Timestamp = At.AddDays(-1) };
            other = other with { Timestamp = At };
        }

        using var temp = new TempDirectory();
        await using var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        await ledger.AppendAsync([match, other]);
        foreach (var by in new[] { Array.Empty<SummaryDimension>(), [SummaryDimension.Model], [SummaryDimension.Parse("project")] })
        {
            Assert.Equal(1, (await ledger.SummarizeAsync(query, by, TimeZoneInfo.Utc)).Total.Records);
        }

        Assert.Equal(["match"], (await ledger.ReadAsync(query).ToListAsync()).Select(r => r.Id));
    }

    [Fact]
    public void A_rowid_range_keeps_the_filter()
    {
        var filter = SqliteUsageFilter.From(new UsageQuery { Project = "p" });
        using var command = new SqliteCommand();
        var where = filter.WhereRows(command, (1, 10));
        Assert.StartsWith(" NOT INDEXED WHERE seq BETWEEN", where, StringComparison.Ordinal);
        Assert.Contains("project = ", where, StringComparison.Ordinal);
        Assert.False(filter.RollupCanAnswer);
    }

    [Fact]
    public async Task A_sessions_rows_are_found_through_the_session_index_not_by_reading_every_row()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using (var ledger = new SqliteUsageLedger(path))
        {
            await ledger.AppendAsync([new UsageRecord { Id = "a", Timestamp = At, Model = "gpt-4o", Tokens = new TokenCounts { Input = 1 }, Attribution = new Attribution { Session = "s1" } }]);
        }

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        var where = SqliteUsageFilter.From(new UsageQuery { Session = "s1" }).WhereRows(command);
        command.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index'";
        var indexes = (string?)await command.ExecuteScalarAsync();
        command.CommandText = "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM usage" + where;
        var plan = new List<string>();
        using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.True(plan.Exists(step => step.Contains("ix_usage_session_ts", StringComparison.Ordinal)), indexes + ": " + where + " => " + string.Join(" | ", plan));
    }
}
