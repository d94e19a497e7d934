using System.Globalization;
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
    /// The number of records past the watermark at which an append, after it committed, folds them into the rollups:
    /// large, so that one pass aggregates many batches, and small enough that a summary reads the tail as rows quickly.
    /// </summary>
    /// <remarks>
    /// Counted as sequence numbers past the watermark (one query-free subtraction in the merge's answer), which also
    /// counts the numbers duplicate claims drew and left unused: a fold may come early, never late.
    /// </remarks>
    internal long CatchUpAfter { get; init; } = 100_000;

    /// <summary>
    /// The number of records past the watermark at which a summary answered from the rollups (or a reservation) folds
    /// them first: reading more as rows would cost the summary more than the fold.
    /// </summary>
    internal long SummaryCatchUpAfter { get; init; } = 20_000;

    /// <summary>Folds every committed record past the watermark into the rollups, waiting for a catch-up under way; the number folded.</summary>
    internal Task<long> CatchUpRollupsAsync(CancellationToken cancellationToken = default) =>
        RunAsync(connection => CatchUpAsync(connection, giveWay: false, cancellationToken), cancellationToken);

    /// <summary>
    /// The catch-up an append runs when it left the tail long: it gives way to one under way, and a failure does not fail
    /// the append, which is committed (the next catch-up folds the records, and summaries read them as rows meanwhile).
    /// </summary>
    private static async Task CatchUpAfterAppendAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await CatchUpAsync(connection, giveWay: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            // Nothing is lost: the sums and the watermark move together or not at all.
        }
    }

    /// <summary>
    /// Before a summary or a reservation read from the rollups: folds the tail when it is at least
    /// <see cref="SummaryCatchUpAfter"/> records long. A role that may only read (a dashboard's) cannot fold; it reads the
    /// tail as rows, which is as exact and only slower.
    /// </summary>
    private async Task CatchUpBeforeReadingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var behind = new NpgsqlCommand("SELECT (SELECT COALESCE(MAX(seq), 0) FROM usage_ids) - (SELECT seq FROM rollup_watermark)", connection))
        {
            if ((long)(await behind.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! < SummaryCatchUpAfter)
            {
                return;
            }
        }

        try
        {
            await CatchUpAsync(connection, giveWay: false, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Read-only: the summary reads the tail as rows.
        }
    }

    /// <summary>
    /// The catch-up on <paramref name="connection"/>: reads the position behind the feed's barrier in one short
    /// transaction, then folds up to it in another under the catch-up lock (when <paramref name="giveWay"/>, only if no
    /// other catch-up or revision holds it); the number of records folded.
    /// </summary>
    private static async Task<long> CatchUpAsync(NpgsqlConnection connection, bool giveWay, CancellationToken cancellationToken)
    {
        long upTo;
        await using (var barrier = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using (var feed = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgreSqlSchema.FeedLockKey})"), connection, barrier))
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
                return 0;
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
            return 0;
        }

        await using var fold = new NpgsqlCommand(PostgreSqlSchema.CatchUp, connection, transaction);
        fold.Parameters.AddWithValue("from", from);
        fold.Parameters.AddWithValue("to", upTo);
        var folded = (long)(await fold.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return folded;
    }
}
