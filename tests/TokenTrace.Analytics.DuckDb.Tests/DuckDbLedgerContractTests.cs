using TokenTrace.Analytics.DuckDb;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Analytics.DuckDb.Tests;

/// <summary>
/// The ledger contract with every summary served by the DuckDB copy (no size threshold, the SQLite rollup not
/// preferred): the hand-computed totals, daylight-saving days and random records must come out the same.
/// </summary>
public sealed class DuckDbLedgerContractTests : UsageLedgerContract
{
    internal static readonly DuckDbAnalyticsOptions Always = new() { MinimumRecords = 0, PreferLedgerAggregates = false };

    protected override IUsageLedger Open(string directory) =>
        new DuckDbAnalyticsLedger(new SqliteUsageLedger(Path.Combine(directory, "usage.db")), Path.Combine(directory, "usage.duckdb"), Always);
}
