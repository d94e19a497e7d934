using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary><see cref="LedgerOpenContext.OpenExistingOnly"/> for <c>sqlite:</c> specs: no database file is created for a reader.</summary>
public sealed class SqliteOpenExistingOnlyTests
{
    private static readonly LedgerOpenContext ExistingOnly = new() { OpenExistingOnly = true };

    [Fact]
    public void A_missing_database_throws_and_no_file_or_folder_is_created()
    {
        using var temp = new TempDirectory();
        var path = temp.File("typo/usage.db");

        var ex = Assert.Throws<LedgerNotFoundException>(() => new UsageLedgerFactory().AddSqlite().Open(path, ExistingOnly));

        Assert.Equal("sqlite:" + path, ex.Spec);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task An_existing_database_opens()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using (var writer = new UsageLedgerFactory().AddSqlite().Open(path))
        {
            await writer.AppendAsync([new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UtcNow, Model = "gpt-4o", Tokens = new TokenCounts { Input = 5 } }]);
        }

        await using var reader = new UsageLedgerFactory().AddSqlite().Open(path, ExistingOnly);

        Assert.Equal(1, (await reader.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.Records);
    }

    [Fact]
    public void A_folder_where_the_database_belongs_is_reported_by_the_ledger_not_as_missing()
    {
        using var temp = new TempDirectory();

        var ex = Record.Exception(() => new UsageLedgerFactory().AddSqlite().Open("sqlite:" + temp.Path, ExistingOnly).DisposeAsync().AsTask().GetAwaiter().GetResult());

        Assert.IsNotType<LedgerNotFoundException>(ex);
    }
}
