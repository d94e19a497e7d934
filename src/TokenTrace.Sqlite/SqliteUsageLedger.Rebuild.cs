using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

/// <summary>
/// Rebuilds the hourly rollup from the records (<c>tokentrace doctor --rebuild-sums</c>): the rollup is emptied and its
/// watermark (<c>rollup_seq</c>) set back to 0 in one write transaction, then the rows are folded again in steps of
/// <see cref="RebuildStep"/> sequence numbers, each its own write transaction, so other writers wait one step at most.
/// Summaries stay exact meanwhile: they read the rows past <c>rollup_seq</c> themselves.
/// </summary>
public sealed partial class SqliteUsageLedger : IAggregateRebuilder
{
    /// <summary>Sequence numbers folded per write transaction of a rebuild.</summary>
    internal long RebuildStep { get; init; } = 100_000;

    /// <inheritdoc/>
    /// <remarks>
    /// Folds up to the last row stored when the rebuild started; rows appended meanwhile are folded by the appends, as
    /// always. An append meanwhile finds a long backlog and folds one bounded step of it (its own rows plus at most
    /// <see cref="RebuildStep"/>), never the whole rest in its transaction. Cut off midway, the rollup holds the rows up to
    /// <c>rollup_seq</c>, and the rest is read as rows while each later append folds a step of it, or another rebuild
    /// folds it all.
    /// </remarks>
    public async Task<long> RebuildAggregatesAsync(CancellationToken cancellationToken = default)
    {
        var target = await RunAsync(write: true, connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM usage_rollup; UPDATE ledger_meta SET value = '0' WHERE key = 'rollup_seq'; SELECT IFNULL(MAX(seq), 0) FROM usage";
            var last = (long)command.ExecuteScalar()!;
            transaction.Commit();
            return last;
        }, cancellationToken).ConfigureAwait(false);

        long summed = 0;
        while (true)
        {
            var step = await RunAsync(write: true, connection =>
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "SELECT CAST(value AS INTEGER) FROM ledger_meta WHERE key = 'rollup_seq'";
                var from = (long)command.ExecuteScalar()!;
                if (from >= target)
                {
                    return -1L;
                }

                var to = Math.Min(target, from + RebuildStep);
                command.Parameters.AddWithValue("@from", from);
                command.Parameters.AddWithValue("@to", to);
                command.CommandText = "SELECT COUNT(*) FROM usage WHERE seq > @from AND seq <= @to";
                var rows = (long)command.ExecuteScalar()!;
                command.CommandText = SqliteSchema.RollupFold + "; UPDATE ledger_meta SET value = @to WHERE key = 'rollup_seq'";
                command.ExecuteNonQuery();
                transaction.Commit();
                return rows;
            }, cancellationToken).ConfigureAwait(false);
            if (step < 0)
            {
                return summed;
            }

            summed += step;
        }
    }
}
