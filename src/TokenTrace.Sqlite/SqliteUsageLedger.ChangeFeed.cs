using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

// The change feed (IUsageChangeFeed): rows by seq, revisions logged by the usage_changes trigger (schema 5), and the
// identity in ledger_meta that a delete renews.
public sealed partial class SqliteUsageLedger : IUsageChangeFeed
{
    /// <inheritdoc/>
    public Task<UsageFeedPosition> GetPositionAsync(CancellationToken cancellationToken = default) =>
        RunAsync(write: false, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText =
                "SELECT (SELECT value FROM ledger_meta WHERE key = 'id'), (SELECT IFNULL(MAX(seq), 0) FROM usage), (SELECT IFNULL(MAX(change), 0) FROM usage_changes)";
            using var reader = command.ExecuteReader();
            reader.Read();
            return new UsageFeedPosition(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
        }, cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<IReadOnlyList<SequencedUsageRecord>> ReadAfterAsync(
        long afterSequence, long upToSequence, int batchSize = 10_000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var connection = await OpenForReadAsync(cancellationToken).ConfigureAwait(false);
        using var rows = Guard(() => OpenRows(connection, "WHERE seq > @after AND seq <= @upTo ORDER BY seq",
            [new SqliteParameter("@after", afterSequence), new SqliteParameter("@upTo", upToSequence)]));
        var batch = new List<SequencedUsageRecord>(Math.Min(batchSize, 10_000));
        while (Guard(rows.Read) is { } record)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Add(new SequencedUsageRecord(rows.CurrentSequence, record));
            if (batch.Count == batchSize)
            {
                yield return batch;
                batch = new List<SequencedUsageRecord>(batchSize);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<long>> ChangedAsync(long afterChange, long upToChange, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<long>>(write: false, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT seq FROM usage_changes WHERE change > @after AND change <= @upTo ORDER BY seq";
            command.Parameters.AddWithValue("@after", afterChange);
            command.Parameters.AddWithValue("@upTo", upToChange);
            using var reader = command.ExecuteReader();
            var sequences = new List<long>();
            while (reader.Read())
            {
                sequences.Add(reader.GetInt64(0));
            }

            return sequences;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<long?> GetChangeMarkAsync(long change, CancellationToken cancellationToken = default) =>
        RunAsync<long?>(write: false, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT mark FROM usage_changes WHERE change = @change";
            command.Parameters.AddWithValue("@change", change);
            return command.ExecuteScalar() is long mark ? mark : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<SequencedUsageRecord>> ReadSequencesAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return RunAsync<IReadOnlyList<SequencedUsageRecord>>(write: false, connection =>
        {
            var found = new List<SequencedUsageRecord>(sequences.Count);

            // A few thousand at a time keeps each JSON list small; the ids are numbers, so the list needs no escaping.
            foreach (var chunk in sequences.Chunk(4_096))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var list = new StringBuilder("[").AppendJoin(',', chunk.Select(s => s.ToString(CultureInfo.InvariantCulture))).Append(']').ToString();
                using var rows = OpenRows(connection, "WHERE seq IN (SELECT value FROM json_each(@list)) ORDER BY seq", [new SqliteParameter("@list", list)]);
                while (rows.Read() is { } record)
                {
                    found.Add(new SequencedUsageRecord(rows.CurrentSequence, record));
                }
            }

            found.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            return found;
        }, cancellationToken);
    }
}
