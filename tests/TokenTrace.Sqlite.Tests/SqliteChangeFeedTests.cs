using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteChangeFeedTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 7, 0, TimeSpan.Zero);

    private static UsageRecord Make(string id, decimal? cost = 1m, int minutes = 0) => new()
    {
        Id = id, Timestamp = At.AddMinutes(minutes), Model = "m", CostUsd = cost, Tokens = new TokenCounts { Input = 10, Output = 5 },
    };

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task The_feed_gives_new_records_in_order_and_the_records_whose_cost_was_revised()
    {
        using var temp = new TempDirectory();
        IUsageChangeFeed feed = new SqliteUsageLedger(temp.File("usage.db"));
        var ledger = (SqliteUsageLedger)feed;
        var empty = await feed.GetPositionAsync();
        Assert.Equal((0L, 0L), (empty.LastSequence, empty.LastChange));

        await ledger.AppendAsync([Make("a"), Make("b", minutes: -5), Make("c")]);
        await ledger.AppendAsync([Make("a"), Make("d")]); // the duplicate takes no sequence number
        var position = await feed.GetPositionAsync();
        Assert.Equal(empty.LedgerId, position.LedgerId);
        var all = new List<SequencedUsageRecord>();
        await foreach (var batch in feed.ReadAfterAsync(0, position.LastSequence, batchSize: 3))
        {
            Assert.InRange(batch.Count, 1, 3);
            all.AddRange(batch);
        }

        Assert.Equal(["a", "b", "c", "d"], all.Select(r => r.Record.Id));
        Assert.Equal(position.LastSequence, all[^1].Sequence);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        var after = new List<string>();
        await foreach (var batch in feed.ReadAfterAsync(all[1].Sequence, all[2].Sequence))
        {
            after.AddRange(batch.Select(r => r.Record.Id));
        }

        Assert.Equal(["c"], after);

        await ledger.ReviseCostsAsync([new CostRevision("b", 2m, null), new CostRevision("d", 3m, null)]);
        await ledger.ReviseCostsAsync([new CostRevision("b", 4m, null)]);
        var revised = await feed.GetPositionAsync();
        Assert.Equal(position.LastSequence, revised.LastSequence);
        Assert.Equal(position.LastChange + 3, revised.LastChange);
        var changed = await feed.ChangedAsync(position.LastChange, revised.LastChange);
        Assert.Equal([all[1].Sequence, all[3].Sequence], changed);
        Assert.Equal([all[1].Sequence], await feed.ChangedAsync(position.LastChange + 2, revised.LastChange));
        var reread = await feed.ReadSequencesAsync([.. changed, 999_999]);
        Assert.Equal([4m, 3m], reread.Select(r => r.Record.CostUsd));
    }

    [Fact]
    public async Task Removing_rows_by_hand_gives_the_ledger_a_new_identity()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        var ledger = new SqliteUsageLedger(path);
        await ledger.AppendAsync([Make("a"), Make("b")]);
        var before = await ledger.GetPositionAsync();
        await ledger.DisposeAsync();
        Execute(path, "DELETE FROM usage WHERE id = 'b'");
        var after = await new SqliteUsageLedger(path).GetPositionAsync();
        Assert.NotEqual(before.LedgerId, after.LedgerId);
    }

    [Fact]
    public async Task A_schema_3_ledger_is_migrated_forward_and_keeps_its_records()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        OlderLedgerFile.Create(path, 3, [Make("a"), Make("b", cost: null)]);
        var upgraded = new SqliteUsageLedger(path);
        var position = await upgraded.GetPositionAsync();
        Assert.Equal((2L, 0L), (position.LastSequence, position.LastChange));
        Assert.Matches("^[0-9a-f]{32}$", position.LedgerId);
        Assert.Equal(SqliteSchema.Latest.ToString(System.Globalization.CultureInfo.InvariantCulture), (await upgraded.CheckAsync()).Details["schema version"]);
        await upgraded.ReviseCostsAsync([new CostRevision("b", 1m, null)]);
        Assert.Equal(2m, (await upgraded.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.CostUsd);
        Assert.Equal(1L, (await upgraded.GetPositionAsync()).LastChange);
    }
}
