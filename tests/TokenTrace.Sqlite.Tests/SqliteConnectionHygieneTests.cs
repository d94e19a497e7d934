using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteConnectionHygieneTests
{
    private static UsageRecord Make(string id) => new() { Id = id, Timestamp = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), Model = "m" };

    private static List<string> OpenHandlesUnder(string directory) =>
        [.. Directory.EnumerateFileSystemEntries("/proc/self/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget; } catch (IOException) { return null; } })
            .OfType<string>()
            .Where(target => target.StartsWith(directory, StringComparison.Ordinal))];

    [Fact]
    public async Task Disposing_the_ledger_closes_the_database_wal_and_shm_files()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // reads the process's open files from /proc
        }

        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        await ledger.AppendAsync([Make("a")]);
        await ledger.SaveBudgetAsync(new Budget { Name = "b", Limit = 1m, Period = BudgetPeriod.Parse("daily") });
        Assert.Single(await ledger.ReadAsync(UsageQuery.All).ToListAsync());
        Assert.Contains(OpenHandlesUnder(temp.Path), f => f.EndsWith("usage.db-wal", StringComparison.Ordinal));

        await ledger.DisposeAsync();

        Assert.Empty(OpenHandlesUnder(temp.Path));
        Assert.False(File.Exists(temp.File("usage.db-wal"))); // the last connection checkpointed and removed it
    }

    [Fact]
    public async Task A_reader_never_inherits_the_append_cache_or_writes()
    {
        using var temp = new TempDirectory();
        await using var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        await ledger.AppendAsync([Make("a")]);

        await using (var writer = await ledger.OpenForWriteAsync(CancellationToken.None))
        {
            Assert.Equal(-16384L, Pragma(writer, "cache_size")); // 16 MB
            Assert.Equal(2L, Pragma(writer, "synchronous")); // FULL
        }

        await using var reader = await ledger.OpenForReadAsync(CancellationToken.None);
        Assert.NotEqual(-16384L, Pragma(reader, "cache_size"));
        Assert.Equal(1L, Pragma(reader, "query_only"));
    }

    [Fact]
    public async Task A_large_import_gets_the_larger_cache_and_the_pooled_writer_after_it_the_small_one_again()
    {
        using var temp = new TempDirectory();
        await using var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        SqliteConnection used;
        await using (var import = await ledger.BeginImportAsync())
        {
            import.LargeCacheAfter = 3; // 250,000 records in a real import
            used = import.Connection;
            import.Append([Make("a"), Make("b")]);
            Assert.Equal(-16384L, Pragma(used, "cache_size")); // 2 records handed: still small
            import.Append([Make("c")]);
            Assert.Equal(-65536L, Pragma(used, "cache_size")); // 3 handed: 64 MB
            import.Commit();
        }

        // The next writer takes the same pooled connection, and its open sets the small cache again.
        await using var writer = await ledger.OpenForWriteAsync(CancellationToken.None);
        Assert.Equal(-16384L, Pragma(writer, "cache_size"));
        Assert.Equal(3, (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Count);
    }

    [Fact]
    public async Task Budget_errors_name_the_ledger_like_every_other_command()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await File.WriteAllTextAsync(path, "this is not a database, it was truncated and overwritten");
        await using var ledger = new SqliteUsageLedger(path);
        Assert.Contains(path, (await Assert.ThrowsAsync<LedgerFormatException>(() => ledger.ListBudgetsAsync())).Message, StringComparison.Ordinal);
        Assert.Contains(path, (await Assert.ThrowsAsync<LedgerFormatException>(() => ledger.SaveBudgetAsync(new Budget { Name = "b", Limit = 1m, Period = BudgetPeriod.Parse("daily") }))).Message, StringComparison.Ordinal);
        Assert.Contains(path, (await Assert.ThrowsAsync<LedgerFormatException>(async () => await ledger.ReadAsync(UsageQuery.All).ToListAsync())).Message, StringComparison.Ordinal);
        Assert.Contains(path, (await Assert.ThrowsAsync<LedgerFormatException>(() => ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc))).Message, StringComparison.Ordinal);
    }

    private static long Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
