using System.Runtime.CompilerServices;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// The ledger's change feed with its failures marked as the ledger's (<see cref="LedgerFeedException"/>), so that a
/// catch-up tells them from failures of the copy: a broken copy is deleted and built again, while an error of the
/// ledger itself (a damaged file, a disk error) goes to the caller unchanged, as the ledger's own summary would give it.
/// </summary>
internal sealed class GuardedFeed(IUsageChangeFeed inner) : IUsageChangeFeed
{
    public Task<UsageFeedPosition> GetPositionAsync(CancellationToken cancellationToken = default) =>
        Guard(() => inner.GetPositionAsync(cancellationToken));

    public Task<IReadOnlyList<long>> ChangedAsync(long afterChange, long upToChange, CancellationToken cancellationToken = default) =>
        Guard(() => inner.ChangedAsync(afterChange, upToChange, cancellationToken));

    public Task<long?> GetChangeMarkAsync(long change, CancellationToken cancellationToken = default) =>
        Guard(() => inner.GetChangeMarkAsync(change, cancellationToken));

    public Task<IReadOnlyList<SequencedUsageRecord>> ReadSequencesAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default) =>
        Guard(() => inner.ReadSequencesAsync(sequences, cancellationToken));

    public async IAsyncEnumerable<IReadOnlyList<SequencedUsageRecord>> ReadAfterAsync(
        long afterSequence, long upToSequence, int batchSize = 10_000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var batches = inner.ReadAfterAsync(afterSequence, upToSequence, batchSize, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (batches.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await batches.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new LedgerFeedException(ex);
                }

                if (!more)
                {
                    yield break;
                }

                yield return batches.Current;
            }
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new LedgerFeedException(ex);
        }
    }
}
