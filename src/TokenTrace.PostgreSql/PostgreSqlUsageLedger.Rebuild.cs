using System.Globalization;
using Npgsql;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Rebuilds the tables of sums from the records (<c>tokentrace doctor --rebuild-sums</c>): the sums are emptied and the
/// watermark set back to 0 in one short transaction, then the records are folded again in steps of
/// <see cref="RebuildStep"/> sequence numbers, each its own transaction. Summaries stay exact at every moment, as they
/// read the records past the watermark as rows (slower until the rebuild is through).
/// </summary>
public sealed partial class PostgreSqlUsageLedger : IAggregateRebuilder
{
    /// <summary>
    /// Sequence numbers folded per step of a rebuild: a step holds the catch-up lock for about as long as an automatic
    /// fold after 100,000 appended records, so revisions and other folds wait seconds, not the whole rebuild.
    /// </summary>
    internal long RebuildStep { get; init; } = 100_000;

    /// <inheritdoc/>
    /// <remarks>
    /// Waits for a fold or revision under way, then empties every table of sums and sets the watermark to 0 (under the
    /// catch-up lock and the fold's commit gate, as a fold commits), and folds up to the last record committed when the
    /// rebuild started, step by step. Cut off midway (cancelled, a lost connection), the sums hold a prefix of the records
    /// and the watermark says which: the usual folds, or the rebuild run again, finish the work.
    /// </remarks>
    public Task<long> RebuildAggregatesAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                var empty = string.Join("; ", PostgreSqlRollups.Tables.Select(t => "DELETE FROM " + t.Name));
                await ExecuteAsync(connection, transaction,
                    $"{PostgreSqlSchema.CatchUpPrelude}; {empty}; UPDATE rollup_watermark SET seq = 0; {PostgreSqlSchema.FoldCommitGate}", cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            // How far to go: the last sequence number committed now (read behind the feed's barrier, as a fold does).
            long target;
            await using (var barrier = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                await ExecuteAsync(connection, barrier, string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgreSqlSchema.FeedLockKey})"), cancellationToken).ConfigureAwait(false);
                await using var position = new NpgsqlCommand("SELECT COALESCE(MAX(seq), 0) FROM usage_ids", connection, barrier);
                target = (long)(await position.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                await barrier.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            long folded = 0;
            while (true)
            {
                await using (var watermark = new NpgsqlCommand("SELECT seq FROM rollup_watermark", connection))
                {
                    if ((long)(await watermark.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! >= target)
                    {
                        return folded;
                    }
                }

                folded += (await CatchUpAsync(connection, automatic: false, cancellationToken, RebuildStep).ConfigureAwait(false)).Folded;
            }
        }, cancellationToken);
}
