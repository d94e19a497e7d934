using System.Net.Sockets;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>
/// The team ledger on PostgreSQL: many machines and processes append to one database, idempotent on record id, with a
/// schema version table and forward migrations, the usage table partitioned by month, batches loaded with binary
/// <c>COPY</c>, summaries computed by the server, and budgets and reservations in the same database.
/// </summary>
/// <remarks>
/// Durability: an append returns after its transaction committed, so with the server's default
/// <c>synchronous_commit = on</c> an acknowledged record survives a crash of this process, of the server and of its
/// machine. The schema is created on first use; the database itself must exist (see docs/runbook/postgresql.md). The
/// tables of sums are folded in the background after appends (<see cref="PostgreSqlLedgerOptions"/>); dispose the ledger
/// to stop a fold under way.
/// </remarks>
public sealed partial class PostgreSqlUsageLedger : IUsageLedger, IPreaggregatedSummarizer, ICostReviser, ILedgerHealthCheck, IBudgetStore, IBudgetReservations
{
    private static readonly string SelectColumns = "seq, " + PostgreSqlSchema.ColumnList;

    /// <summary>
    /// What an append's transaction runs before its COPY: the feed's barrier, the staging table, joins by hash only, and
    /// no JIT compilation. The planner knows nothing of the staged rows (a temporary table has no statistics) and, guessing,
    /// sorted both sides of the merge's join on the id, the staged side at the full width of a record. The same guess
    /// (415,000 joined rows) puts the merge's cost far above <c>jit_above_cost</c>, and compiling its 64 expressions with
    /// LLVM took 2.0 s of a 20,000-record merge's 2.0 s (all duplicates) to 4.1 s (all new): more than the work itself
    /// (docs/architecture/performance.md, "Where ingest time goes").
    /// </summary>
    internal static readonly string AppendPrelude = string.Create(CultureInfo.InvariantCulture,
        $"SELECT pg_advisory_xact_lock_shared({PostgreSqlSchema.FeedLockKey}); SET LOCAL enable_mergejoin = off; SET LOCAL enable_nestloop = off; SET LOCAL jit = off; {PostgreSqlSchema.CreateStaging}");

    /// <summary>Taken first by every transaction that stores or revises records: see <see cref="PostgreSqlSchema.FeedLockKey"/>.</summary>
    private static readonly string FeedShared = string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock_shared({PostgreSqlSchema.FeedLockKey})");
    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentDictionary<long, bool> _partitions = new();
    private readonly ConcurrentDictionary<string, bool> _knownZones = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _migration = new(1, 1);
    private volatile bool _initialized;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Opens the ledger at <paramref name="url"/> (<c>postgres://user@host:port/database</c> or <c>postgresql://…</c>).</summary>
    /// <exception cref="FormatException">The URL is malformed; the message says what is wrong (never the password).</exception>
    public PostgreSqlUsageLedger(string url)
        : this(url, null)
    {
    }

    /// <summary>
    /// Opens the ledger at <paramref name="url"/> (<c>postgres://user@host:port/database</c> or <c>postgresql://…</c>)
    /// with <paramref name="options"/> (copied; the URL's <c>fold_after</c> and <c>summary_fold_after</c> win over them).
    /// </summary>
    /// <exception cref="FormatException">The URL is malformed or an option in it is bad; the message names it (never the password).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A threshold of <paramref name="options"/> is below 1; the message names it.</exception>
    public PostgreSqlUsageLedger(string url, PostgreSqlLedgerOptions? options)
    {
        options ??= new PostgreSqlLedgerOptions();
        ArgumentNullException.ThrowIfNull(options.LoggerFactory, nameof(options));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
        if (options.FoldAfterRecords < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FoldAfterRecords, "PostgreSqlLedgerOptions.FoldAfterRecords (fold_after) must be at least 1 record");
        }

        if (options.SummaryFoldAfterRecords < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SummaryFoldAfterRecords, "PostgreSqlLedgerOptions.SummaryFoldAfterRecords (summary_fold_after) must be at least 1 record");
        }

        var (connectionString, display, foldAfter, summaryFoldAfter) = PostgreSqlConnectionSpec.Parse(url);
        Spec = display;
        CatchUpAfter = foldAfter ?? options.FoldAfterRecords;
        SummaryCatchUpAfter = summaryFoldAfter ?? options.SummaryFoldAfterRecords;
        _logger = options.LoggerFactory.CreateLogger<PostgreSqlUsageLedger>();
        _time = options.TimeProvider;
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <inheritdoc/>
    /// <remarks>The URL without its password.</remarks>
    public string Spec { get; }

    /// <inheritdoc/>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return default;
        }

        foreach (var record in records)
        {
            UsageRecordValidator.ThrowIfInvalid(record);
            PostgreSqlRecordWriter.ThrowIfUnstorable(record);
        }

        var firsts = PostgreSqlRecordWriter.FirstOfEachIdSortedById(records);
        for (var attempt = 1; ; attempt++)
        {
            await EnsurePartitionsAsync(records, cancellationToken).ConfigureAwait(false);
            try
            {
                var (result, behind) = await RunAsync(async connection =>
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, transaction, AppendPrelude, cancellationToken).ConfigureAwait(false);
                    await PostgreSqlRecordWriter.CopyAsync(connection, firsts, cancellationToken).ConfigureAwait(false);
                    int added;
                    long behind;
                    await using (var merge = new NpgsqlCommand(PostgreSqlSchema.MergeStaging, connection, transaction))
                    await using (var reader = await merge.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                    {
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        added = checked((int)reader.GetInt64(0));
                        behind = reader.IsDBNull(1) ? 0 : reader.GetInt64(1) - reader.GetInt64(2);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return (new AppendResult(added, records.Count - added), behind);
                }, cancellationToken).ConfigureAwait(false);

                // The records are committed: the append returns now, and the fold it leaves long enough runs after it,
                // in the background (see FoldInBackground), so no appender waits seconds for it.
                if (behind >= CatchUpAfter)
                {
                    FoldInBackground();
                }

                return result;
            }
            catch (IOException ex) when (attempt == 1 && ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.CheckViolation })
            {
                // "no partition of relation usage found for row": a month this object had seen was dropped since (retention,
                // docs/runbook/postgresql.md). Forget what it knew and make the partitions again, once.
                _partitions.Clear();
            }
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {SelectColumns} FROM usage{PostgreSqlUsageFilter.Where(query, command)} ORDER BY ts, seq";
            var reader = await Guard(() => command.ExecuteReaderAsync(cancellationToken)).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await Guard(() => reader.ReadAsync(cancellationToken)).ConfigureAwait(false))
                {
                    yield return PostgreSqlRecordReader.Read(reader);
                }
            }
        }
    }

    /// <inheritdoc/>
    public async Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        if (revisions.Count == 0)
        {
            return 0;
        }

        return await RunAsync(async connection =>
        {
            var changed = 0;
            for (var start = 0; start < revisions.Count; start += RevisionsPerTransaction)
            {
                changed += await ReviseAsync(connection, revisions, start, Math.Min(revisions.Count, start + RevisionsPerTransaction), cancellationToken).ConfigureAwait(false);
            }

            return changed;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Revisions committed per transaction. A revision holds the feed's barrier (shared) and the catch-up lock (exclusive)
    /// until it commits; a whole <c>reprice</c> in one transaction would hold back every catch-up, and every reservation
    /// behind it, for minutes. Each revision is idempotent (only a row that differs changes), so a run cut between two
    /// transactions is finished by running it again.
    /// </summary>
    private const int RevisionsPerTransaction = 1_000;

    private static async Task<int> ReviseAsync(NpgsqlConnection connection, IReadOnlyList<CostRevision> revisions, int start, int end, CancellationToken cancellationToken)
    {
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // The id's claim names its ts and seq, so the update reads one partition through the primary key. Only a row
            // that differs is updated, so the count is of records that changed. In the same statement the rollups lose
            // the row as it was and gain it as it is (one upsert of both, as a provider change moves it to another
            // hourly key), and the change is logged for the feed under a random mark. The sums hold only the records at or
            // below the watermark (schema 4): a record above it is folded later as it is then, so only the others move
            // the sums, under the catch-up's lock, so that no catch-up moves the watermark between the two.
            await ExecuteAsync(connection, transaction, FeedShared + "; " + PostgreSqlSchema.CatchUpPrelude, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                $"""
                WITH target AS (
                    SELECT u.* FROM usage u JOIN usage_ids i ON u.ts = i.ts AND u.seq = i.seq
                    WHERE i.id = @id
                      AND (u.cost_usd IS DISTINCT FROM @cost OR u.price_entry IS DISTINCT FROM @entry
                           OR u.price_effective_from IS DISTINCT FROM @from OR u.price_catalog IS DISTINCT FROM @catalog
                           OR (@provider IS NOT NULL AND u.provider IS DISTINCT FROM @provider))
                ), revised AS (
                    UPDATE usage u SET cost_usd = @cost, cost_billed = @billed, price_entry = @entry, price_effective_from = @from,
                        price_catalog = @catalog, provider = COALESCE(@provider, u.provider)
                    FROM target t WHERE u.ts = t.ts AND u.seq = t.seq
                    RETURNING u.seq, {PostgreSqlRollups.PrefixedRowColumns("u.")}
                ), delta AS (
                    SELECT -1 AS sign, {PostgreSqlRollups.RowColumns} FROM target WHERE seq <= (SELECT seq FROM rollup_watermark)
                    UNION ALL SELECT 1, {PostgreSqlRollups.RowColumns} FROM revised WHERE seq <= (SELECT seq FROM rollup_watermark)
                ), logged AS (
                    INSERT INTO usage_changes (seq, mark) SELECT seq, floor(random() * 9007199254740991)::bigint FROM revised
                ){PostgreSqlRollups.UpsertCtes("delta", signed: true)}
                SELECT COUNT(*) FROM revised
                """, connection, transaction);
            var id = command.Parameters.Add("id", NpgsqlDbType.Text);
            var cost = command.Parameters.Add("cost", NpgsqlDbType.Numeric);
            var billed = command.Parameters.Add("billed", NpgsqlDbType.Numeric);
            var entry = command.Parameters.Add("entry", NpgsqlDbType.Text);
            var from = command.Parameters.Add("from", NpgsqlDbType.Date);
            var catalog = command.Parameters.Add("catalog", NpgsqlDbType.Text);
            var provider = command.Parameters.Add("provider", NpgsqlDbType.Text);
            var changed = 0;
            for (var i = start; i < end; i++)
            {
                var revision = revisions[i];
                id.Value = revision.Id;
                cost.Value = (object?)revision.CostUsd ?? DBNull.Value;
                billed.Value = revision.CostUsd is { } c ? UsageTotals.RoundCost(c) : DBNull.Value;
                entry.Value = (object?)revision.Price?.Entry ?? DBNull.Value;
                from.Value = revision.Price?.EffectiveFrom is { } date ? date : DBNull.Value;
                catalog.Value = (object?)revision.Price?.Catalog ?? DBNull.Value;
                provider.Value = (object?)revision.Provider ?? DBNull.Value;
                changed += Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return changed;
        }
    }

    /// <inheritdoc/>
    /// <remarks>Reports the schema version, the server version and the partitions, and reads every row as a record.</remarks>
    public async Task<LedgerHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<LedgerProblem>();
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        long records = 0;
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            details["schema version"] = await ScalarTextAsync(connection, "SELECT MAX(version) FROM schema_version", cancellationToken).ConfigureAwait(false);
            details["server version"] = connection.ServerVersion;
            details["partitions"] = await ScalarTextAsync(connection, "SELECT COUNT(*) FROM pg_inherits WHERE inhparent = 'usage'::regclass", cancellationToken).ConfigureAwait(false);
            await foreach (var _ in ReadAsync(UsageQuery.All, cancellationToken).ConfigureAwait(false))
            {
                records++;
            }

            // A row whose id is not claimed could be stored again; ids without a row are what retention leaves (by choice).
            var unclaimed = long.Parse(await ScalarTextAsync(connection, "SELECT COUNT(*) FROM usage u WHERE NOT EXISTS (SELECT 1 FROM usage_ids i WHERE i.id = u.id AND i.seq = u.seq)", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            if (unclaimed > 0)
            {
                problems.Add(new LedgerProblem(Spec, 0, null, string.Create(CultureInfo.InvariantCulture, $"{unclaimed} rows of usage have no claim in usage_ids: their ids could be stored again")));
            }

            // The rollups answer most summaries: each must count exactly the stored rows at or below the watermark (a month
            // dropped for retention without its sums, docs/runbook/postgresql.md, would leave them counting records that
            // are gone). One statement, so that a catch-up committing meanwhile cannot make the two counts disagree.
            details["records past the rollups' watermark"] = await ScalarTextAsync(connection,
                "SELECT COUNT(*) FROM usage_ids WHERE seq > (SELECT seq FROM rollup_watermark)", cancellationToken).ConfigureAwait(false);
            foreach (var (table, _, _) in PostgreSqlRollups.Tables)
            {
                var counts = await ScalarTextAsync(connection,
                    $"SELECT (SELECT COALESCE(SUM(records), 0) FROM {table}) || ' ' || (SELECT COUNT(*) FROM usage WHERE seq <= (SELECT seq FROM rollup_watermark))", cancellationToken).ConfigureAwait(false);
                var (summed, folded) = (counts.Split(' ')[0], counts.Split(' ')[1]);
                if (summed != folded)
                {
                    problems.Add(new LedgerProblem(Spec, 0, null, string.Create(CultureInfo.InvariantCulture,
                        $"{table} sums {summed} records but usage holds {folded} up to the rollups' watermark: summaries answered from it are wrong; delete the sums of dropped months (docs/runbook/postgresql.md, Retention)")));
                }
            }

            var ids = long.Parse(await ScalarTextAsync(connection, "SELECT COUNT(*) FROM usage_ids", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            details["ids kept without a row (retention)"] = (ids - records).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or LedgerFormatException or NpgsqlException or InvalidCastException or FormatException)
        {
            problems.Add(ex is LedgerFormatException format ? format.Problem : new LedgerProblem(Spec, 0, null, ex.Message));
        }

        return new LedgerHealth(Spec, records, problems, details);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Cancels a fold running in the background and waits for it to end (it rolls back whole), then closes this ledger's pooled connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!await StopBackgroundFoldAsync().ConfigureAwait(false))
        {
            return;
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _migration.Dispose();
    }

    /// <summary>Opens a pooled connection; the first one brings the schema up to date.</summary>
    internal async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw Translate(ex);
        }

        if (!_initialized)
        {
            try
            {
                await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return connection;
    }

    private async Task MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await _migration.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            await Guard(async () =>
            {
                // Up to date already: nothing to lock or create, so a role that may only read (a dashboard's) opens it too.
                await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection))
                {
                    if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                    {
                        await using var latest = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection);
                        if (Convert.ToInt32(await latest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == PostgreSqlSchema.Latest)
                        {
                            return 0;
                        }
                    }
                }

                // DDL is transactional in PostgreSQL: a migration applies whole or not at all. The advisory lock makes a
                // second process wait for the first one's migration instead of racing it.
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgreSqlSchema.SchemaLockKey}); CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied timestamptz NOT NULL)", cancellationToken).ConfigureAwait(false);
                await using var current = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection, transaction);
                var version = Convert.ToInt32(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (version > PostgreSqlSchema.Latest)
                {
                    throw new LedgerFormatException(new LedgerProblem(Spec, 0, null,
                        string.Create(CultureInfo.InvariantCulture, $"schema version {version} was written by a newer TokenTrace (this one knows up to {PostgreSqlSchema.Latest}); upgrade TokenTrace")));
                }

                for (var next = version + 1; next <= PostgreSqlSchema.Latest; next++)
                {
                    await ExecuteAsync(connection, transaction, PostgreSqlSchema.Migrations[next - 1], cancellationToken).ConfigureAwait(false);
                    await using var applied = new NpgsqlCommand("INSERT INTO schema_version (version, applied) VALUES (@v, now())", connection, transaction);
                    applied.Parameters.AddWithValue("v", next);
                    await applied.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false);
            _initialized = true;
        }
        finally
        {
            _migration.Release();
        }
    }

    /// <summary>
    /// Creates the monthly partitions the records fall in that this ledger has not seen yet, each in its own short
    /// transaction under the schema lock (two processes creating the same month would otherwise collide in the catalog),
    /// before the append's transaction, which then only inserts.
    /// </summary>
    private async Task EnsurePartitionsAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        var missing = new SortedSet<long>();
        foreach (var record in records)
        {
            var month = PostgreSqlSchema.MonthStart(record.Timestamp.UtcTicks);
            if (!_partitions.ContainsKey(month))
            {
                missing.Add(month);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        await RunAsync(async connection =>
        {
            foreach (var month in missing)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgreSqlSchema.SchemaLockKey}); {PostgreSqlSchema.CreatePartition(month)}", cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                _partitions[month] = true;
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> on a pooled connection; every PostgreSQL error goes through <see cref="Translate"/>.</summary>
    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await Guard(() => work(connection)).ConfigureAwait(false);
        }
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> ScalarTextAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "";
    }

    private async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>
    /// A server that does not answer or a missing database (<see cref="LedgerNotFoundException"/>: the command line's exit 2,
    /// as a mistyped path) or a refused
    /// login becomes a message that names the ledger (never its password) and what to do;
    /// a sum that overflows a <c>bigint</c> a <see cref="LedgerFormatException"/>; anything else an <see cref="IOException"/>.
    /// </summary>
    private Exception Translate(NpgsqlException ex) => ex is not PostgresException && ex.InnerException is SocketException
        // No server answers at that address: as a mistyped path, the ledger named cannot be found (exit 2 on the command
        // line); an app's tracker retries and spills as for any failing ledger.
        ? new LedgerNotFoundException($"ledger '{Spec}': no PostgreSQL server answers there ({ex.InnerException.Message}); start it or fix the host and port", ex)
        : (ex as PostgresException)?.SqlState switch
    {
        PostgresErrorCodes.InvalidCatalogName => new LedgerNotFoundException($"ledger '{Spec}': the database does not exist on the server; create it first (createdb, see docs/runbook/postgresql.md)", ex),
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
            new IOException($"PostgreSQL ledger {Spec}: the server refused the login ({ex.Message}); give the password in PGPASSWORD or ~/.pgpass", ex),
        PostgresErrorCodes.NumericValueOutOfRange => new LedgerFormatException(new LedgerProblem(Spec, 0, null,
            "a sum over stored records overflows: the ledger holds counts outside TokenTrace's bounds (docs/methodology/limits.md)"), ex),
        _ => new IOException($"PostgreSQL ledger {Spec}: {ex.Message}", ex),
    };
}
