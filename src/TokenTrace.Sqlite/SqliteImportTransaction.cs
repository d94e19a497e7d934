using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

/// <summary>
/// One write transaction holding a whole import (<see cref="SqliteUsageLedger.BeginImportAsync"/>): the records of
/// every <see cref="Append"/> are inserted at once, but none is visible to other connections or kept until
/// <see cref="Commit"/>; disposing the transaction without committing rolls all of them back. This lets an importer
/// check and write in one pass (parsing on one thread while SQLite inserts on another) and still store nothing when a
/// late line turns out bad, instead of parsing everything into a temporary file first and writing it afterwards.
/// </summary>
/// <remarks>
/// The transaction holds the ledger's write lock from the start: other writers, in this process or others, wait for
/// it (up to the ledger's 60 s busy timeout) and readers keep seeing the ledger as it was. One commit also means one
/// WAL flush for the whole import. Not thread-safe: one caller appends, in order.
/// </remarks>
public sealed class SqliteImportTransaction : IUsageAppendTransaction
{
    private readonly SqliteUsageLedger _ledger;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteRecordInserter _inserter;
    private readonly SqliteImportRollup _rollup = new();
    private long _handed;
    private bool _largeCache;
    private bool _committed;
    private bool _disposed;
    private bool _faulted;

    /// <summary>
    /// Records handed to one transaction before its connection's page cache grows from 16 to 64 MB: a large import's
    /// id index outgrows the small cache and every insert would read its pages again, while a coding agent's first sync
    /// (≈ 200,000 records for a 1 GB history) keeps the 48 MB of memory (issue 12 bounds it at 150 MB; measured in
    /// performance.md).
    /// </summary>
    internal long LargeCacheAfter { get; set; } = 250_000;

    /// <summary>The transaction's connection (for tests of its settings).</summary>
    internal SqliteConnection Connection => _connection;

    internal SqliteImportTransaction(SqliteUsageLedger ledger, SqliteConnection connection, SqliteTransaction transaction, SqliteRecordInserter inserter)
    {
        _ledger = ledger;
        _connection = connection;
        _transaction = transaction;
        _inserter = inserter;
    }

    /// <summary>
    /// Inserts <paramref name="records"/> (each validated as <see cref="SqliteUsageLedger.AppendAsync"/> validates, just
    /// before its insert; an invalid one throws and faults the transaction); records whose id is already stored, or was
    /// appended earlier in this transaction, are counted as duplicates. Any batch size stores the same: the rollup is
    /// brought up to date every 5,000 records, not per call.
    /// </summary>
    /// <param name="records">The records to add, prepared (priced and estimated) by the caller.</param>
    /// <returns>How many were added and how many were already there; <see cref="AppendResult.DuplicateIds"/> is not filled.</returns>
    public AppendResult Append(IReadOnlyList<UsageRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfUnusable();
        if (records.Count == 0)
        {
            return default;
        }

        try
        {
            var result = _ledger.AppendToImport(_connection, _transaction, _inserter, _rollup, records);
            _handed += records.Count;
            if (!_largeCache && _handed >= LargeCacheAfter)
            {
                SetCache(SqliteUsageLedger.LargeWriteCacheKib);
                _largeCache = true;
            }

            return result;
        }
        catch
        {
            // SQLite may have rolled the transaction back on its own (a full disk, an I/O error): a later Append would
            // then write outside any transaction, one row at a time. Nothing more may go through this one.
            _faulted = true;
            throw;
        }
    }

    /// <summary>Makes every appended record durable and visible at once (<c>synchronous = FULL</c>: flushed before this returns).</summary>
    /// <exception cref="InvalidOperationException">Already committed, or an <see cref="Append"/> failed (dispose it to roll back).</exception>
    public void Commit()
    {
        ThrowIfUnusable();
        try
        {
            _ledger.CommitImport(_connection, _transaction, _inserter, _rollup);
        }
        catch
        {
            // The last rollup update or the commit failed: what was appended is not kept, and nothing more goes through.
            _faulted = true;
            throw;
        }

        _committed = true;
    }

    private void SetCache(int kib)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA cache_size = -" + kib.ToString(System.Globalization.CultureInfo.InvariantCulture);
        command.ExecuteNonQuery();
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException("the import transaction is already committed");
        }

        if (_faulted)
        {
            throw new InvalidOperationException("an append of this import failed: it can only be disposed (which rolls it back)");
        }
    }

    /// <summary>Rolls back whatever was appended unless <see cref="Commit"/> ran, and returns the connection to its pool.</summary>
    /// <returns>A task that completes when the connection is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // The inserter's statements are finalized before the rollback: SQLite refuses to roll back a transaction
        // while a statement is still running, and the pooled connection must come back clean.
        try
        {
            _inserter.Dispose();
            _transaction.Dispose();
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
