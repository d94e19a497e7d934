using TokenTrace.Sqlite;

namespace TokenTrace.Tests;

/// <summary>A real SQLite ledger file in a temp folder and a tracker writing to it (spilling into the same folder).</summary>
internal sealed class SqliteTracking : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();

    public SqliteTracking(Func<IUsageLedger, IUsageLedger>? wrap = null, Action<TokenTrackerOptions>? configure = null)
    {
        Sqlite = new SqliteUsageLedger(_temp.File("usage.db"));
        Ledger = wrap is null ? Sqlite : wrap(Sqlite);
        var options = new TokenTrackerOptions { Batching = { SpillDirectory = _temp.File("spill") } };
        configure?.Invoke(options);
        Tracker = new TokenTracker(Ledger, options);
    }

    public SqliteUsageLedger Sqlite { get; }

    public IUsageLedger Ledger { get; }

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
