using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// The DuckDB database that holds a ledger's copy: its tables, how it is opened (one process at a time), and how it is
/// caught up from the ledger's change feed.
/// </summary>
/// <remarks>
/// The copy remembers which ledger it copies (its identity), the last sequence number and change number it applied and
/// the id of the record at that sequence number. A different identity, a position ahead of the ledger's (a restored
/// backup) or another record at the remembered sequence number rebuilds it from the start; changes (revised costs) are
/// applied by replacing the changed records; new records are appended. Each step commits with the position it reached,
/// so a catch-up cut off by a crash resumes where it stopped.
/// </remarks>
internal sealed class DuckDbCopy(string path, DuckDbAnalyticsOptions options)
{
    /// <summary>Bumped when the copy's tables change shape: an older copy is rebuilt.</summary>
    private const int Format = 8;

    /// <summary>
    /// The formats an older copy is brought to <see cref="Format"/> from in place, by filling the tables it lacks from its
    /// own rows (at 10 M records a rebuild from the ledger costs minutes; filling the tag sums and the agent-user pair
    /// (format 6), then the session totals and the (project, job) sums, and merging the daily project sums to one row per
    /// day and project (format 7), seconds).
    /// </summary>
    private static readonly int[] UpgradableFormats = [6, 7];

    /// <summary>
    /// DuckDB threads for a summary. A catch-up loads with one: a chunk loads while the ledger's next one is read on
    /// another core, and at 1 M records one loading thread took 26.5 CPU-s against 36–47 with two (the same wall time).
    /// </summary>
    private static readonly int QueryThreads = Math.Clamp(Environment.ProcessorCount, 1, 16);

    /// <summary>More changed records than this are cheaper to copy again than to replace one by one.</summary>
    private const int ReplaceLimit = 200_000;

    private static readonly TimeSpan FailureBackoff = TimeSpan.FromHours(1);

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _gate = Gates.GetOrAdd(path, static _ => new SemaphoreSlim(1, 1));

    /// <summary>
    /// Catches the copy up and runs the summary; null when the ledger should answer instead: another process holds the
    /// copy, or the copy failed (see <see cref="TryAsync{T}"/>).
    /// </summary>
    public Task<UsageSummary?> TrySummarizeAsync(
        IUsageChangeFeed feed, long minimumRecords, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken) =>
        TryAsync(feed, minimumRecords, connection => DuckDbSummaryQuery.Run(connection, query, by, timeZone, cancellationToken), cancellationToken);

    /// <summary>Catches the copy up; false when it was not (below the threshold, held by another process, failed).</summary>
    public async Task<bool> TryCatchUpAsync(IUsageChangeFeed feed, long minimumRecords, CancellationToken cancellationToken) =>
        await TryAsync<object>(feed, minimumRecords, static _ => new object(), cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Opens the copy, reads the ledger's position (inside the lock, so that no other catch-up can have gone past it),
    /// catches up and runs <paramref name="work"/>. The copy is only a copy: when DuckDB reports damage, or the copy's
    /// files cannot be written (a full disk, a missing temporary folder), it is deleted and built once more, and if that
    /// fails too the ledger answers (null). An error of the ledger itself goes to the caller unchanged.
    /// </summary>
    private async Task<T?> TryAsync<T>(IUsageChangeFeed ledgerFeed, long minimumRecords, Func<DuckDBConnection, T?> work, CancellationToken cancellationToken)
        where T : class
    {
        var feed = new GuardedFeed(ledgerFeed);
        if (RecentlyFailed())
        {
            return null;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var connection = await TryOpenAsync(cancellationToken).ConfigureAwait(false);
                    if (connection is null)
                    {
                        return null;
                    }

                    var position = await feed.GetPositionAsync(cancellationToken).ConfigureAwait(false);
                    if (position.LastSequence < minimumRecords)
                    {
                        return null;
                    }

                    await CatchUpAsync(connection, feed, position, cancellationToken).ConfigureAwait(false);

                    // Loading runs on one DuckDB thread (the ledger is read on another at the same time); queries on every core.
                    Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {QueryThreads};"));
                    T? result;
                    try
                    {
                        result = Query(connection, work);
                    }
                    catch (DuckDBException ex) when (!IsDamage(ex))
                    {
                        // Not the copy's fault (a result larger than the memory allowed, an overflow): the ledger answers
                        // this one and the copy stays. Deleting it here once cost a 10 M-record copy for a summary by job
                        // and day, rebuilt for minutes only to fail the same way. (A catch-up's failure is still the
                        // copy's: deleted, rebuilt once, then marked failed for an hour.)
                        return null;
                    }

                    File.Delete(path + ".failed");
                    return result;
                }
                catch (LedgerFeedException ex)
                {
                    // The ledger failed, not the copy: its own error, as its own summary would give it.
                    ExceptionDispatchInfo.Throw(ex.InnerException!);
                    throw;
                }
                catch (Exception ex) when (ex is DuckDBException or IOException or UnauthorizedAccessException)
                {
                    DeleteCopy();
                    if (attempt > 0)
                    {
                        MarkFailed(ex);
                        return null;
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A copy that failed twice in a row (DuckDB out of memory, a full disk) would fail again on the next summary and
    /// cost it a whole rebuild before the ledger answers; a marker file beside it makes summaries go straight to the
    /// ledger for <see cref="FailureBackoff"/>, and says why. Deleting the marker tries again at once.
    /// </summary>
    private bool RecentlyFailed()
    {
        var marker = new FileInfo(path + ".failed");
        return marker.Exists && DateTime.UtcNow - marker.LastWriteTimeUtc < FailureBackoff;
    }

    private void MarkFailed(Exception ex)
    {
        try
        {
            using var marker = SecureFile.Open(path + ".failed", FileMode.Create, FileAccess.Write, FileShare.None);
            marker.Write(System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:O} the analytics copy could not be built ({ex.GetType().Name}: {ex.Message}); summaries use the ledger until an hour has passed or this file is deleted\n")));
        }
        catch (Exception markerFailure) when (markerFailure is IOException or UnauthorizedAccessException)
        {
            // Without a marker the next summary tries again: slower, still right.
        }
    }

    private void DeleteCopy()
    {
        try
        {
            File.Delete(path);
            File.Delete(path + ".wal");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not ours to remove (another user's file): the ledger answers.
        }
    }

    /// <summary>
    /// Opens the database for writing; null when another process holds it past <see cref="DuckDbAnalyticsOptions.LockWait"/>.
    /// A file that is not a DuckDB database of ours (damaged, or written by an incompatible DuckDB) is deleted and
    /// started again: it is only a copy.
    /// </summary>
    private async Task<DuckDBConnection?> TryOpenAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(20);
        var restarted = false;
        while (true)
        {
            var connection = new DuckDBConnection(new DuckDBConnectionStringBuilder { DataSource = path }.ConnectionString);
            try
            {
                connection.Open();
                Restrict(path);
                Restrict(path + ".wal");
                Execute(connection, string.Create(CultureInfo.InvariantCulture,
                    $"SET threads = 1; SET preserve_insertion_order = false; SET memory_limit = '{options.LoadMemoryLimit}';"));
                return connection;
            }
            catch (DuckDBException ex) when (IsLockConflict(ex))
            {
                connection.Dispose();
                if (clock.Elapsed + delay > options.LockWait)
                {
                    return null;
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
            }
            catch (DuckDBException) when (!restarted)
            {
                connection.Dispose();
                restarted = true;
                DeleteCopy();
            }
        }
    }

    /// <summary>
    /// Runs a summary's query within the loading limit, or reading 10 M rows fills memory with cached blocks (1 GB and
    /// more for a summary of a few thousand groups); a result larger than it (a million groups) gets more, once.
    /// </summary>
    private T? Query<T>(DuckDBConnection connection, Func<DuckDBConnection, T?> work)
        where T : class
    {
        try
        {
            return work(connection);
        }
        catch (DuckDBException ex) when (ex.ErrorType == DuckDBErrorType.OutOfMemory)
        {
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET memory_limit = '{options.QueryMemoryLimit}';"));
            return work(connection);
        }
    }

    /// <summary>
    /// Whether DuckDB's error says the copy itself is unusable (unreadable or damaged blocks, a database invalidated by an
    /// internal error, tables not as this version makes them), as opposed to a query that failed on a sound copy: out of
    /// memory, an overflow, an interruption.
    /// </summary>
    private static bool IsDamage(DuckDBException ex) =>
        ex.ErrorType is DuckDBErrorType.Io or DuckDBErrorType.Serialization or DuckDBErrorType.Fatal or DuckDBErrorType.Internal
            or DuckDBErrorType.Catalog or DuckDBErrorType.Invalid or DuckDBErrorType.Connection or DuckDBErrorType.Permission;

    // DuckDB's messages when another process has the file open ("block" in a damage message must not match).
    private static bool IsLockConflict(DuckDBException ex) =>
        ex.Message.Contains("Could not set lock", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("Conflicting lock", StringComparison.OrdinalIgnoreCase);

    // The ledger's files are the owner's only (docs/runbook/security.md); its copy holds the same facts.
    private static void Restrict(string file)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(file))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private async Task CatchUpAsync(DuckDBConnection connection, IUsageChangeFeed feed, UsageFeedPosition position, CancellationToken cancellationToken)
    {
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS copy_state (format INTEGER, ledger_id VARCHAR, last_seq BIGINT, last_change BIGINT, last_record_id VARCHAR, last_change_mark BIGINT);
            CREATE TABLE IF NOT EXISTS facts (
                seq BIGINT, ts BIGINT, model VARCHAR, provider VARCHAR, project VARCHAR, job VARCHAR, task VARCHAR, agent VARCHAR,
                session VARCHAR, user_name VARCHAR, source VARCHAR, region VARCHAR,
                input BIGINT, output BIGINT, cache_read BIGINT, cache_write BIGINT, cache_write_1h BIGINT, reasoning BIGINT, cost_pico BIGINT,
                energy_low_q BIGINT, energy_low_r DOUBLE, energy_q BIGINT, energy_r DOUBLE, energy_high_q BIGINT, energy_high_r DOUBLE,
                co2e_low_q BIGINT, co2e_low_r DOUBLE, co2e_q BIGINT, co2e_r DOUBLE, co2e_high_q BIGINT, co2e_high_r DOUBLE);
            CREATE TABLE IF NOT EXISTS fact_tags (seq BIGINT, key VARCHAR, value VARCHAR);
            """ + DailyAggregates.CreateSql() + MonthlyAggregates.CreateSql() + TagAggregates.CreateSql() + AllTimeAggregates.CreateSql() + ProjectJobAggregates.CreateSql());
        var state = ReadState(connection);
        var rebuild = state is null || (state.Format != Format && !UpgradableFormats.Contains(state.Format)) || state.LedgerId != position.LedgerId
            || state.LastSequence > position.LastSequence || state.LastChange > position.LastChange;
        if (!rebuild && state!.LastSequence > 0)
        {
            var last = await feed.ReadSequencesAsync([state.LastSequence], cancellationToken).ConfigureAwait(false);
            rebuild = last.Count != 1 || last[0].Record.Id != state.LastRecordId;
        }

        // A restored backup keeps the ledger's identity; its change numbers then name other changes.
        if (!rebuild && state!.LastChange > 0)
        {
            rebuild = await feed.GetChangeMarkAsync(state.LastChange, cancellationToken).ConfigureAwait(false) != state.LastChangeMark;
        }

        if (!rebuild && state!.Format != Format)
        {
            var fill = state.Format == 6
                ? TagAggregates.DeleteSql() + " DELETE FROM aggm_agent_user;" + TagAggregates.FillSql() + MonthlyAggregates.FillSql("aggm_agent_user")
                : "";
            state = state with { Format = Format };
            Execute(connection, "BEGIN TRANSACTION;" + fill + AllTimeAggregates.DeleteSql() + AllTimeAggregates.FillSql() + ProjectJobAggregates.DeleteSql() + ProjectJobAggregates.FillSql()
                + DailyAggregates.MergeDuplicatesSql(DailyAggregates.MergedTable, ["day", "value"])
                + " DELETE FROM copy_state; " + StateInsert(state) + " COMMIT;");
        }

        var replaced = false;
        if (!rebuild && position.LastChange > state!.LastChange)
        {
            var changed = (await feed.ChangedAsync(state.LastChange, position.LastChange, cancellationToken).ConfigureAwait(false))
                .Where(s => s <= state.LastSequence).ToList();
            if (changed.Count > ReplaceLimit)
            {
                rebuild = true;
            }
            else
            {
                // Replace the changed records; those past LastSequence are read as new records below, as they are now.
                var current = await feed.ReadSequencesAsync(changed, cancellationToken).ConfigureAwait(false);
                state = state with { LastChange = position.LastChange, LastChangeMark = await feed.GetChangeMarkAsync(position.LastChange, cancellationToken).ConfigureAwait(false) };
                using var replacements = FactFiles.Create(options.TemporaryDirectory);
                replacements.Add(current);
                Load(connection, replacements, state, changed);
                replaced = true;
            }
        }

        if (rebuild)
        {
            // Changes up to the position are in every record read from here on; later ones are replayed next time.
            state = new CopyState(Format, position.LedgerId, 0, position.LastChange, null,
                position.LastChange > 0 ? await feed.GetChangeMarkAsync(position.LastChange, cancellationToken).ConfigureAwait(false) : null);
            Execute(connection, "BEGIN TRANSACTION; DELETE FROM facts; DELETE FROM fact_tags;" + DailyAggregates.DeleteSql() + MonthlyAggregates.DeleteSql() + TagAggregates.DeleteSql() + AllTimeAggregates.DeleteSql() + ProjectJobAggregates.DeleteSql() + " DELETE FROM copy_state; " + StateInsert(state) + " COMMIT;");
        }

        if (position.LastSequence <= state!.LastSequence)
        {
            if (replaced)
            {
                CompactMonthly(connection, fromSequence: null);
                Compact(connection, ProjectJobAggregates.CompactSql(afterSequence: null));
            }

            return;
        }

        var firstNew = state.LastSequence;

        // Records stream into the temporary files a batch at a time, so memory does not grow with the catch-up. A full
        // chunk is loaded by DuckDB on another thread while the next one is read from the ledger: the two halves take
        // about as long as each other, and chunks are still loaded one at a time, in order.
        FactFiles? files = null;
        Task? loading = null;
        try
        {
            await foreach (var batch in feed.ReadAfterAsync(state.LastSequence, position.LastSequence, Math.Min(10_000, options.ChunkRecords), cancellationToken).ConfigureAwait(false))
            {
                files ??= FactFiles.Create(options.TemporaryDirectory);
                files.Add(batch);
                if (files.Count >= options.ChunkRecords)
                {
                    state = state with { LastSequence = files.Last.Sequence, LastRecordId = files.Last.Id };
                    await WaitAsync(loading).ConfigureAwait(false);
                    loading = LoadAndDisposeAsync(connection, files, state);
                    files = null;
                }
            }

            await WaitAsync(loading).ConfigureAwait(false);
            loading = null;
            if (files is not null)
            {
                state = state with { LastSequence = files.Last.Sequence, LastRecordId = files.Last.Id };
                Load(connection, files, state, replacing: null);
            }
        }
        finally
        {
            files?.Dispose();
            if (loading is not null)
            {
                // The feed failed while a chunk was loading: the chunk's own outcome is secondary to that error.
                await loading.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        // Replaced records left negated rows in any month; new records only in the months from their first on.
        CompactMonthly(connection, replaced ? null : firstNew);

        // A copy built from the start merges every pair at once; a catch-up, the pairs of its new records.
        Compact(connection, ProjectJobAggregates.CompactSql(replaced || firstNew == 0 ? null : firstNew));

        static Task WaitAsync(Task? task) => task ?? Task.CompletedTask;

        static Task LoadAndDisposeAsync(DuckDBConnection connection, FactFiles files, CopyState state) => Task.Run(() =>
        {
            using (files)
            {
                Load(connection, files, state, replacing: null);
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// Merges the monthly sums of the months that records after <paramref name="fromSequence"/> fall in (every month when
    /// null), so that the tables keep one row per (month, key) however many chunks were loaded (see <see cref="MonthlyAggregates"/>).
    /// </summary>
    private static void CompactMonthly(DuckDBConnection connection, long? fromSequence)
    {
        long? fromMonth = null;
        if (fromSequence is { } after)
        {
            using var command = connection.CreateCommand();
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"SELECT MIN(ts) FROM facts WHERE seq > {after}");
            if (command.ExecuteScalar() is not long first)
            {
                return;
            }

            fromMonth = MonthlyAggregates.MonthOf(first);
        }

        foreach (var sql in MonthlyAggregates.CompactSql(fromMonth))
        {
            Compact(connection, sql);
        }
    }

    // One merge, a transaction of its own.
    private static void Compact(DuckDBConnection connection, string sql)
    {
        try
        {
            Execute(connection, sql);
        }
        catch
        {
            RollBack(connection);
            throw;
        }
    }

    /// <summary>
    /// In one transaction: removes the records under <paramref name="replacing"/>, loads the records in <paramref name="files"/> and
    /// records <paramref name="state"/>. The records go through temporary CSV files (see <see cref="FactFiles"/>).
    /// </summary>
    private static void Load(DuckDBConnection connection, FactFiles files, CopyState state, IReadOnlyList<long>? replacing)
    {
        files.Complete();
        var sql = new StringBuilder("BEGIN TRANSACTION;");
        foreach (var part in (replacing ?? []).Chunk(10_000))
        {
            // The replaced records leave the daily sums as negated rows before they leave the facts.
            var list = string.Join(',', part.Select(s => s.ToString(CultureInfo.InvariantCulture)));
            sql.Append(DailyAggregates.SubtractSql($"(SELECT * FROM facts WHERE seq IN ({list}))"));
            sql.Append(MonthlyAggregates.SubtractSql($"(SELECT * FROM facts WHERE seq IN ({list}))"));
            sql.Append(TagAggregates.SubtractSql($"(SELECT * FROM facts WHERE seq IN ({list}))"));
            sql.Append(AllTimeAggregates.SubtractSql($"(SELECT * FROM facts WHERE seq IN ({list}))"));
            sql.Append(ProjectJobAggregates.SubtractSql($"(SELECT * FROM facts WHERE seq IN ({list}))"));
            sql.Append(CultureInfo.InvariantCulture, $" DELETE FROM facts WHERE seq IN ({list}); DELETE FROM fact_tags WHERE seq IN ({list});");
        }

        if (files.Count > 0)
        {
            sql.Append(" INSERT INTO facts SELECT * FROM read_csv(").Append(Quote(files.FactsPath)).Append(", columns = ").Append(FactFiles.FactColumns)
                .Append(", ").Append(FactFiles.ReadOptions).Append(");");
        }

        foreach (var sums in files.Sums)
        {
            if (files.SumsPath(sums) is { } sumsPath)
            {
                sql.Append(CultureInfo.InvariantCulture, $" INSERT INTO {sums.Table} SELECT {sums.Select} FROM read_csv(").Append(Quote(sumsPath))
                    .Append(", columns = ").Append(sums.CsvColumns).Append(", ").Append(FactFiles.ReadOptions).Append(");");
            }
        }

        if (files.HasTags)
        {
            sql.Append(" INSERT INTO fact_tags SELECT * FROM read_csv(").Append(Quote(files.TagsPath)).Append(", columns = ").Append(FactFiles.TagColumns)
                .Append(", ").Append(FactFiles.ReadOptions).Append(");");
        }

        // In the load's transaction: a copy committed with two rows of a session (or of a day and project) would give it twice.
        sql.Append(AllTimeAggregates.MergeSql()).Append(DailyAggregates.MergeDuplicatesSql(DailyAggregates.MergedTable, ["day", "value"]));
        sql.Append(" DELETE FROM copy_state; ").Append(StateInsert(state)).Append(" COMMIT;");
        try
        {
            Execute(connection, sql.ToString());
        }
        catch
        {
            RollBack(connection);
            throw;
        }
    }

    /// <summary>
    /// Ends the failed transaction. When the failing statement was the <c>COMMIT</c>, DuckDB has already ended it and the
    /// rollback fails too; that error must not replace the first, which says whether the copy is damaged.
    /// </summary>
    private static void RollBack(DuckDBConnection connection)
    {
        try
        {
            Execute(connection, "ROLLBACK");
        }
        catch (DuckDBException)
        {
            // No transaction left to end.
        }
    }

    private static CopyState? ReadState(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT format, ledger_id, last_seq, last_change, last_record_id, last_change_mark FROM copy_state";
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new CopyState(reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5))
            : null;
    }

    private static string StateInsert(CopyState state) => string.Create(CultureInfo.InvariantCulture,
        $"INSERT INTO copy_state VALUES ({state.Format}, {Quote(state.LedgerId)}, {state.LastSequence}, {state.LastChange}, {(state.LastRecordId is { } id ? Quote(id) : "NULL")}, {(state.LastChangeMark is { } mark ? mark.ToString(CultureInfo.InvariantCulture) : "NULL")});");

    /// <summary>A SQL string literal: DuckDB's standard strings have no backslash escapes, only doubled quotes.</summary>
    internal static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    internal static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record CopyState(int Format, string LedgerId, long LastSequence, long LastChange, string? LastRecordId, long? LastChangeMark);
}
