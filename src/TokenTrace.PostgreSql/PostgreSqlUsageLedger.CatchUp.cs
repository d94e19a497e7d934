using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Brings the rollups up to date (schema 4): the records whose sequence number lies past the watermark are folded into
/// every table of sums in one aggregated pass, and the watermark moves to the last of them.
/// </summary>
/// <remarks>
/// Sequence numbers are handed out when an append claims its ids, so appends commit out of order: number 11 may be
/// visible while number 10 is still in flight, and a watermark moved to 11 would leave 10 out of the sums for ever. A
/// catch-up therefore reads how far to go behind the change feed's barrier (<see cref="PostgreSqlSchema.FeedLockKey"/>:
/// every append holds it shared until it commits; taking it exclusively waits for those in flight), so every number at or
/// below that position is committed or never will be. The fold itself runs under <see cref="PostgreSqlSchema.CatchUpLockKey"/>,
/// so that two catch-ups never fold the same records and a revision never corrects sums the fold is moving. Summaries do
/// not depend on it: they read the records past the watermark as rows (<see cref="PostgreSqlRollups.Covering"/>).
/// </remarks>
public sealed partial class PostgreSqlUsageLedger
{
    /// <summary>
    /// The number of records past the watermark at which an append, after it committed, starts a fold of them into the
    /// rollups in the background: large, so that one pass aggregates many batches, and small enough that a summary reads
    /// the tail as rows quickly.
    /// </summary>
    /// <remarks>
    /// Counted as sequence numbers past the watermark (one query-free subtraction in the merge's answer), which also
    /// counts the numbers duplicate claims drew and left unused: a fold may come early, never late. Set from the URL's
    /// <c>fold_after</c> or <see cref="PostgreSqlLedgerOptions.FoldAfterRecords"/>; tests and the scale bench set it here.
    /// </remarks>
    internal long CatchUpAfter { get; init; }

    /// <summary>
    /// The number of records past the watermark at which a summary answered from the rollups folds them first: reading
    /// more as rows would cost the summary more than the fold. A reservation never folds: it reads the tail as rows. Set
    /// from the URL's <c>summary_fold_after</c> or <see cref="PostgreSqlLedgerOptions.SummaryFoldAfterRecords"/>.
    /// </summary>
    internal long SummaryCatchUpAfter { get; init; }

    /// <summary>Folds every committed record past the watermark into the rollups, waiting for a catch-up under way; the number folded.</summary>
    internal Task<long> CatchUpRollupsAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async connection => (await CatchUpAsync(connection, automatic: false, cancellationToken).ConfigureAwait(false)).Folded, cancellationToken);

    /// <summary>
    /// The most sequence numbers one automatic fold takes (a background fold, a summary's): <see cref="CatchUpAfter"/> or
    /// <see cref="RebuildStep"/>, the larger. Outside a rebuild a fold starts near <see cref="CatchUpAfter"/> behind and is
    /// seldom cut; after a rebuild set the watermark back to 0 the tail is the whole ledger, and an uncapped fold would hold
    /// the catch-up lock (and a user's summary waiting on its fold) for minutes. The background fold goes on in steps while
    /// the tail stays long; a summary reads what its step left as rows.
    /// </summary>
    private long AutomaticFoldLimit => Math.Max(CatchUpAfter, RebuildStep);

    /// <summary>
    /// How long an automatic catch-up waits for the appends in flight (the feed's barrier): while it waits, new appends
    /// queue behind it, so the wait is short, and a catch-up that does not get the barrier in time is left to the next one
    /// (summaries read the tail as rows meanwhile, as exact).
    /// </summary>
    private const string AutomaticLockTimeout = "SET LOCAL lock_timeout = '3s'";

    /// <summary>Set once the role is found unable to fold (it may only read): it stops trying.</summary>
    private volatile bool _cannotFold;

    /// <summary>
    /// Until when automatic folds rest (UTC ticks of the ledger's clock) after a fold failed for a reason that a retry a
    /// moment later would meet again: a standby reached during a failover (a minute), any other error of the server's
    /// (a minute, doubling with each failure in a row up to an hour). Summaries read the tail as rows meanwhile.
    /// </summary>
    private long _noFoldUntil;

    private readonly Lock _foldFailures = new();

    /// <summary>The error last logged (its SQLSTATE and message), so that a failure is logged once, not on every retry.</summary>
    private string? _loggedFoldFailure;

    private int _foldFailuresInARow;

    /// <summary>The longest rest between automatic folds that keep failing.</summary>
    private static readonly TimeSpan LongestFoldRest = TimeSpan.FromHours(1);

    /// <summary>
    /// Before a summary read from the rollups: folds the tail when it is at least
    /// <see cref="SummaryCatchUpAfter"/> records long. The reading is exact without the fold (the tail is read as rows), so
    /// the fold never fails or stalls it: it gives way to a catch-up or a revision under way, waits for the appends in
    /// flight for a few seconds at most, and any error of the server's (a role that may only read, a statement or lock
    /// timeout, a deadlock) leaves the tail to be read as rows. The caller's cancellation and a broken connection still end
    /// the reading.
    /// </summary>
    private async Task CatchUpBeforeReadingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!MayFold())
        {
            return;
        }

        if (await TailLengthAsync(connection, cancellationToken).ConfigureAwait(false) < SummaryCatchUpAfter)
        {
            return;
        }

        try
        {
            await AutomaticCatchUpAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException)
        {
            // Already recorded by AutomaticCatchUpAsync where it is lasting; the summary reads the tail as rows.
        }
    }

    /// <summary>How many sequence numbers lie past the watermark (an upper bound of the records a fold would take).</summary>
    private static async Task<long> TailLengthAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var behind = new NpgsqlCommand("SELECT (SELECT COALESCE(MAX(seq), 0) FROM usage_ids) - (SELECT seq FROM rollup_watermark)", connection);
        return (long)(await behind.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// An automatic catch-up of at most <see cref="AutomaticFoldLimit"/> sequence numbers: gives way, waits briefly, and
    /// after a lasting failure (anything but a timeout, a deadlock, a serialization failure, a lost connection or a server
    /// shutting down) rests for a while and logs it, once per distinct error; a role that cannot fold stops trying. True
    /// when it stopped at its limit with more committed records behind it.
    /// </summary>
    private async Task<bool> AutomaticCatchUpAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!MayFold())
        {
            return false;
        }

        CatchUpOutcome outcome;
        try
        {
            outcome = await CatchUpAsync(connection, automatic: true, cancellationToken, AutomaticFoldLimit).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (!cancellationToken.IsCancellationRequested && IsLasting(ex))
        {
            FoldFailed(ex);
            throw;
        }

        // A fold that gave way to another process's fold or a revision proved nothing about the error that made folds
        // fail here: the failure count, the back-off and the error last logged stay as they were.
        if (!outcome.GaveWay)
        {
            FoldSucceeded();
        }

        return outcome.MoreBehind;
    }

    /// <summary>
    /// Whether a retry a moment later would likely meet <paramref name="error"/> again. Not a lock or statement timeout
    /// (<c>55P03</c>, <c>57014</c>), a transaction rolled back for a deadlock or a serialization failure (class 40), a
    /// connection error (class 08) or a server shutting down or restarting (class 57): the next fold simply runs.
    /// </summary>
    private static bool IsLasting(PostgresException error) =>
        error.SqlState is not (PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled)
        && !error.SqlState.StartsWith("40", StringComparison.Ordinal)
        && !error.SqlState.StartsWith("08", StringComparison.Ordinal)
        && !error.SqlState.StartsWith("57", StringComparison.Ordinal);

    private void FoldFailed(PostgresException error)
    {
        TimeSpan rest;
        bool log;
        lock (_foldFailures)
        {
            _foldFailuresInARow++;
            if (error.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                _cannotFold = true;
            }

            // A standby answers read only during a failover and may be the primary a minute later: a short rest each time.
            rest = error.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction
                ? TimeSpan.FromMinutes(1)
                : TimeSpan.FromMinutes(Math.Min(LongestFoldRest.TotalMinutes, Math.Pow(2, Math.Min(_foldFailuresInARow - 1, 10))));
            Interlocked.Exchange(ref _noFoldUntil, _time.GetUtcNow().UtcTicks + rest.Ticks);
            var key = error.SqlState + ": " + error.MessageText;
            log = !string.Equals(key, _loggedFoldFailure, StringComparison.Ordinal);
            _loggedFoldFailure = key;
        }

        if (log)
        {
            // The ledger's spec is shown without its password, and the server's message never holds the connection string.
            if (_cannotFold)
            {
                LogCannotFold(_logger, error, Spec, error.SqlState, error.MessageText);
            }
            else
            {
                LogFoldFailed(_logger, error, Spec, error.SqlState, error.MessageText, rest.TotalMinutes);
            }
        }
    }

    private void FoldSucceeded()
    {
        int failed;
        lock (_foldFailures)
        {
            failed = _foldFailuresInARow;
            if (failed == 0)
            {
                return;
            }

            _foldFailuresInARow = 0;
            _loggedFoldFailure = null;
        }

        LogFoldRecovered(_logger, Spec, failed);
    }

    private bool MayFold() => !_cannotFold && _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _noFoldUntil);

    [LoggerMessage(1, LogLevel.Warning, "PostgreSQL ledger {Ledger}: folding the records past the sums' watermark failed ({SqlState}: {Error}); summaries stay exact (they read those records as rows, slower as they grow); automatic folds rest {RestMinutes} min and retry, and this is logged again only if the error changes (docs/runbook/postgresql.md, \"When a fold fails\")")]
    private static partial void LogFoldFailed(ILogger logger, Exception exception, string ledger, string sqlState, string error, double restMinutes);

    [LoggerMessage(2, LogLevel.Warning, "PostgreSQL ledger {Ledger}: this role may not write the tables of sums ({SqlState}: {Error}); this process stops folding them, and summaries read the records past the watermark as rows (exact, slower as they grow) until a role that may write runs a fold (docs/runbook/postgresql.md, \"When a fold fails\")")]
    private static partial void LogCannotFold(ILogger logger, Exception exception, string ledger, string sqlState, string error);

    [LoggerMessage(3, LogLevel.Information, "PostgreSQL ledger {Ledger}: the sums are folded again, after {Failures} failed fold(s)")]
    private static partial void LogFoldRecovered(ILogger logger, string ledger, int failures);

    /// <summary>
    /// The catch-up on <paramref name="connection"/>: reads the position behind the feed's barrier in one short
    /// transaction, then folds up to it in another under the catch-up lock. An <paramref name="automatic"/> one waits at
    /// most <see cref="AutomaticLockTimeout"/> for the barrier (an error then) and folds only if no other catch-up or
    /// revision holds the catch-up lock (else it gives way); an explicit one waits for both. At most
    /// <paramref name="maxSequences"/> sequence numbers past the watermark are folded (a rebuild's step, an automatic
    /// fold's limit).
    /// </summary>
    private static async Task<CatchUpOutcome> CatchUpAsync(NpgsqlConnection connection, bool automatic, CancellationToken cancellationToken, long maxSequences = long.MaxValue)
    {
        var giveWay = automatic;
        long upTo;
        await using (var barrier = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            var take = string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgreSqlSchema.FeedLockKey})");
            await using (var feed = new NpgsqlCommand(automatic ? AutomaticLockTimeout + "; " + take : take, connection, barrier))
            {
                await feed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var position = new NpgsqlCommand("SELECT COALESCE(MAX(seq), 0) FROM usage_ids", connection, barrier);
            upTo = (long)(await position.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            await barrier.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var prelude = new NpgsqlCommand(giveWay ? PostgreSqlSchema.TryCatchUpPrelude : PostgreSqlSchema.CatchUpPrelude, connection, transaction))
        {
            if (giveWay && await prelude.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is false)
            {
                return new CatchUpOutcome(0, GaveWay: true, MoreBehind: false);
            }

            if (!giveWay)
            {
                await prelude.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // Read after the lock was granted (READ COMMITTED: a new snapshot per statement), so it is the last fold's.
        long from;
        await using (var watermark = new NpgsqlCommand("SELECT seq FROM rollup_watermark", connection, transaction))
        {
            from = (long)(await watermark.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (upTo <= from)
        {
            return new CatchUpOutcome(0, GaveWay: false, MoreBehind: false);
        }

        var moreBehind = upTo - from > maxSequences;
        if (moreBehind)
        {
            upTo = from + maxSequences;
        }

        await using var fold = new NpgsqlCommand(PostgreSqlSchema.CatchUp, connection, transaction);
        fold.Parameters.AddWithValue("from", from);
        fold.Parameters.AddWithValue("to", upTo);
        var folded = (long)(await fold.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await using (var gate = new NpgsqlCommand(PostgreSqlSchema.FoldCommitGate, connection, transaction))
        {
            await gate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CatchUpOutcome(folded, GaveWay: false, moreBehind);
    }

    /// <summary>
    /// What a catch-up did: the records it <paramref name="Folded"/>; whether it <paramref name="GaveWay"/> (an automatic
    /// one found the catch-up lock held by another catch-up or a revision, and folded nothing, which is neither a success
    /// nor a failure); whether it stopped at its limit with <paramref name="MoreBehind"/> it, committed and not folded.
    /// </summary>
    private readonly record struct CatchUpOutcome(long Folded, bool GaveWay, bool MoreBehind);
}
