using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Providers.Tests;

/// <summary>A real SQLite ledger file in a temp folder and a tracker writing to it (spilling into the same folder).</summary>
internal sealed class SqliteTracking : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();

    public SqliteTracking()
    {
        Sqlite = new SqliteUsageLedger(_temp.File("usage.db"));
        Tracker = new TokenTracker(Sqlite, new TokenTrackerOptions { Batching = { SpillDirectory = _temp.File("spill") } });
    }

    public SqliteUsageLedger Sqlite { get; }

    public TokenTracker Tracker { get; }

    /// <summary>Every stored record, after the tracker wrote what it queued.</summary>
    public async Task<List<UsageRecord>> RecordsAsync()
    {
        await Tracker.FlushAsync();
        return await Sqlite.ReadAsync(UsageQuery.All).ToListAsync();
    }

    public async Task<UsageRecord> SingleRecordAsync() => Assert.Single(await RecordsAsync());

    public async ValueTask DisposeAsync()
    {
        await Tracker.DisposeAsync();
        await Sqlite.DisposeAsync();
        _temp.Dispose();
    }
}
