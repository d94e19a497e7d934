using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>
/// The change feed (<see cref="IUsageChangeFeed"/>): records by the sequence number their id claimed in <c>usage_ids</c>,
/// revisions from <c>usage_changes</c> (schema 2), the identity from <c>ledger_meta</c>.
/// </summary>
/// <remarks>
/// Sequence numbers come from an identity column, handed out when a merge claims ids, so two appends can commit out of
/// order: number 11 may be visible before number 10. The position is therefore read behind a barrier: every append and
/// revision holds <see cref="PostgreSqlSchema.FeedLockKey"/> shared until it commits, and <see cref="GetPositionAsync"/>
/// takes it exclusively, which waits for the transactions in flight to end, then reads the largest numbers. A number at
/// or below the position is then committed or never will be (a rolled-back append leaves a gap, which a reader skips).
/// </remarks>
public sealed partial class PostgreSqlUsageLedger : IUsageChangeFeed
{
    private static readonly string FeedColumns = "u.seq, " + string.Join(", ", PostgreSqlSchema.Columns.Select(c => "u." + c.Name));

    /// <inheritdoc/>
    /// <remarks>Waits for appends and revisions in flight to commit (see the class remarks); new ones wait the instant it reads.</remarks>
    public Task<UsageFeedPosition> GetPositionAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgreSqlSchema.FeedLockKey})"), cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                """
                SELECT (SELECT value FROM ledger_meta WHERE key = 'ledger_id'), (SELECT COALESCE(MAX(seq), 0) FROM usage_ids),
                       (SELECT COALESCE(MAX(change), 0) FROM usage_changes)
                """, connection, transaction);
            UsageFeedPosition position;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                position = new UsageFeedPosition(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return position;
        }, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Each batch is one query, from the last sequence number of the one before, through the index on <c>usage_ids.seq</c>.</remarks>
    public async IAsyncEnumerable<IReadOnlyList<SequencedUsageRecord>> ReadAfterAsync(
        long afterSequence, long upToSequence, int batchSize = 10_000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var after = afterSequence;
        while (after < upToSequence)
        {
            var from = after;
            var batch = await RunAsync(connection => ReadRowsAsync(connection,
                "WHERE i.seq > @after AND i.seq <= @upTo ORDER BY i.seq LIMIT @limit",
                [new NpgsqlParameter("after", NpgsqlDbType.Bigint) { Value = from }, new NpgsqlParameter("upTo", NpgsqlDbType.Bigint) { Value = upToSequence },
                 new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = batchSize }], cancellationToken), cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                yield break;
            }

            yield return batch;
            after = batch[^1].Sequence;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<long>> ChangedAsync(long afterChange, long upToChange, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<long>>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT DISTINCT seq FROM usage_changes WHERE change > @after AND change <= @upTo ORDER BY seq", connection);
            command.Parameters.AddWithValue("after", afterChange);
            command.Parameters.AddWithValue("upTo", upToChange);
            var sequences = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sequences.Add(reader.GetInt64(0));
            }

            return sequences;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<long?> GetChangeMarkAsync(long change, CancellationToken cancellationToken = default) =>
        RunAsync<long?>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT mark FROM usage_changes WHERE change = @change", connection);
            command.Parameters.AddWithValue("change", change);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long mark ? mark : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<SequencedUsageRecord>> ReadSequencesAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return RunAsync<IReadOnlyList<SequencedUsageRecord>>(async connection => await ReadRowsAsync(connection, "WHERE i.seq = ANY(@sequences) ORDER BY i.seq",
            [new NpgsqlParameter("sequences", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = sequences.ToArray() }], cancellationToken).ConfigureAwait(false),
            cancellationToken);
    }

    /// <summary>The records whose claim in <c>usage_ids</c> (alias <c>i</c>) matches <paramref name="condition"/>, each read through the primary key of its partition.</summary>
    private static async Task<List<SequencedUsageRecord>> ReadRowsAsync(
        NpgsqlConnection connection, string condition, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {FeedColumns} FROM usage_ids i JOIN usage u ON u.ts = i.ts AND u.seq = i.seq {condition}", connection);
        command.Parameters.AddRange(parameters);
        var records = new List<SequencedUsageRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new SequencedUsageRecord(reader.GetInt64(0), PostgreSqlRecordReader.Read(reader)));
        }

        return records;
    }
}
