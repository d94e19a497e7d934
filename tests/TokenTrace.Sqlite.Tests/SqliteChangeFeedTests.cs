using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>The SQLite change feed: the contract, and what only a file that can be edited by hand has to answer for.</summary>
public sealed class SqliteChangeFeedTests : UsageChangeFeedContract
{
    protected override Task<IUsageLedger> OpenAsync(string directory) => Task.FromResult<IUsageLedger>(new SqliteUsageLedger(System.IO.Path.Combine(directory, "usage.db")));

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
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
