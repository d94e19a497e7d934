using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// Rows that TokenTrace did not write the way it writes them (edited by hand, by another tool): the fast row reader
/// hands them to the checked text path, so every read (ReadAsync, the change feed by range and by sequence number)
/// gives the record the text path reads, or an error naming the field — never a silently different record.
/// </summary>
public sealed class SqliteIrregularRowTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private static UsageRecord Make(string id) => new()
    {
        Id = id, Timestamp = At, Model = "gpt-4o", Provider = "openai", CostUsd = 0.25m, LatencyMs = 120,
        Tokens = new TokenCounts { Input = 100, Output = 20 },
        Attribution = new Attribution { Project = "alpha", Tags = new Dictionary<string, string> { ["env"] = "prod-" + id } },
    };

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task<(List<UsageRecord> Read, List<UsageRecord> Feed, IReadOnlyList<SequencedUsageRecord> BySequence)> ReadEveryWayAsync(SqliteUsageLedger ledger)
    {
        var read = new List<UsageRecord>();
        await foreach (var record in ledger.ReadAsync(new UsageQuery()))
        {
            read.Add(record);
        }

        var position = await ledger.GetPositionAsync();
        var feed = new List<UsageRecord>();
        await foreach (var batch in ledger.ReadAfterAsync(0, position.LastSequence))
        {
            feed.AddRange(batch.Select(b => b.Record));
        }

        return (read, feed, await ledger.ReadSequencesAsync([.. Enumerable.Range(1, (int)position.LastSequence).Select(i => (long)i)]));
    }

    [Theory]
    [InlineData("UPDATE usage SET input = 'lots' WHERE id = 'b'", "input")]
    [InlineData("UPDATE usage SET latency_ms = 'slow' WHERE id = 'b'", "latencyMs")]
    [InlineData("UPDATE usage SET ts = 'yesterday' WHERE id = 'b'", "timestamp")]
    [InlineData("UPDATE dims SET value = '{not json' WHERE id = (SELECT tags FROM usage WHERE id = 'b')", "tags")]
    [InlineData("UPDATE usage SET energy_wh = 'much' WHERE id = 'b'", "energyWh")]
    public async Task A_value_that_is_not_what_TokenTrace_writes_is_an_error_naming_its_field_on_every_read(string edit, string field)
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using var ledger = new SqliteUsageLedger(path);
        await ledger.AppendAsync([Make("a"), Make("b"), Make("c")]);
        Execute(path, edit);

        foreach (var read in new Func<Task>[]
        {
            async () => { await foreach (var _ in ledger.ReadAsync(new UsageQuery())) { } },
            async () => { await foreach (var _ in ledger.ReadAfterAsync(0, 3)) { } },
            () => ledger.ReadSequencesAsync([2]),
        })
        {
            var error = await Assert.ThrowsAsync<LedgerFormatException>(read);
            Assert.Equal(path, error.Problem.File);
            Assert.Equal(field, error.Problem.Field);
            Assert.Contains("seq 2", error.Problem.Message, StringComparison.Ordinal);
        }

        // doctor's check reads every row and names the one that cannot be read.
        var health = await ledger.CheckAsync();
        var problem = Assert.Single(health.Problems);
        Assert.Equal((path, field), (problem.File, problem.Field));
        Assert.Contains("WHERE seq = 2", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_names_twenty_unreadable_rows_and_counts_the_rest()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using var ledger = new SqliteUsageLedger(path);
        await ledger.AppendAsync([.. Enumerable.Range(0, 30).Select(i => Make("r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);
        Assert.Empty((await ledger.CheckAsync()).Problems);

        Execute(path, "UPDATE usage SET output = -1 WHERE seq > 5");
        var problems = (await ledger.CheckAsync()).Problems;
        Assert.Equal(21, problems.Count);
        Assert.All(problems.Take(20), p => Assert.Equal("output", p.Field));
        Assert.Equal("… and 5 more rows that cannot be read", problems[20].Message);
    }

    [Fact]
    public async Task Values_stored_as_other_types_but_readable_give_the_same_record_on_every_read()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using var ledger = new SqliteUsageLedger(path);
        await ledger.AppendAsync([Make("a"), Make("b"), Make("c")]);

        // An instant written as ISO text, a count as a real with no fraction, a project id that dims does not have.
        Execute(path, "UPDATE usage SET ts = '2026-03-01T09:30:00.0000000+00:00', output = 20.0, project = 999999 WHERE id = 'b'");

        var (read, feed, bySequence) = await ReadEveryWayAsync(ledger);
        var expected = Make("b") with { Attribution = Make("b").Attribution with { Project = null } };
        foreach (var unordered in new[] { read, feed, [.. bySequence.Select(s => s.Record)] })
        {
            // ReadAsync orders by ts, and SQLite sorts a text after every integer.
            var records = unordered.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
            Assert.Equal(["a", "b", "c"], records.Select(r => r.Id));
            DeepAssert.Equal(Make("a") with { Price = records[0].Price, Impact = records[0].Impact }, records[0]);
            DeepAssert.Equal(expected with { Price = records[1].Price, Impact = records[1].Impact }, records[1]);
        }
    }
}
