using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new SqliteUsageLedger(Path.Combine(directory, "usage.db"));

    [Fact]
    public void Columns_follow_the_shared_field_order()
    {
        Assert.Equal(UsageRecordFields.Names, SqliteSchema.Columns.Select(c => c.Field));
    }

    [Fact]
    public async Task A_damaged_database_is_reported_with_its_path()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await File.WriteAllTextAsync(path, "this is not a database, it was truncated and overwritten");
        var ledger = new SqliteUsageLedger(path);
        var error = await Assert.ThrowsAsync<LedgerFormatException>(() => ledger.AppendAsync([new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UtcNow, Model = "m" }]));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.False((await ledger.CheckAsync()).IsHealthy);
    }
}
