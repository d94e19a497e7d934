namespace TokenTrace.Sqlite;

/// <summary>
/// The rollup's share of an import transaction's records since it was last brought up to date: the rollup is updated
/// every <see cref="Records"/> records handed to the import, whatever the size of each append. The sums of energy and
/// CO2e are floating point, so where the updates fall decides their last bits; fixing them at every 5,000 records
/// keeps the stored rollup the same however the caller chunks its appends (the CLI's appends shrank from 5,000 to 1,000
/// records so that records die young; the ledger it writes did not change).
/// </summary>
internal sealed class SqliteImportRollup
{
    /// <summary>Records handed to the import between two rollup updates (the CLI's append size before 2026-12-07).</summary>
    public const int Records = 5_000;

    /// <summary>The sums of the records added since the last update.</summary>
    public SqliteRollupBatch Batch { get; private set; } = new();

    /// <summary>Records handed to the import since the last update, duplicates included.</summary>
    public int Handed { get; set; }

    /// <summary>Records added (not duplicates) since the last update.</summary>
    public int Added { get; set; }

    /// <summary>Starts the next group after an update.</summary>
    public void Reset()
    {
        Batch = new SqliteRollupBatch();
        Handed = 0;
        Added = 0;
    }
}
