using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace TokenTrace.Tests;

/// <summary>A minimal in-memory ledger built on the public seams only: append and read; everything else falls back.</summary>
public sealed class MemoryLedger : IUsageLedger
{
    private readonly ConcurrentDictionary<string, UsageRecord> _records = new(StringComparer.Ordinal);
    private long _appends;

    public string Spec => "memory:";

    public int Count => _records.Count;

    public long Appends => Interlocked.Read(ref _appends);

    public IReadOnlyCollection<string> Ids => [.. _records.Keys];

    public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _appends);
        var added = records.Count(r => _records.TryAdd(r.Id, r));
        return Task.FromResult(new AppendResult(added, records.Count - added));
    }

    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        foreach (var record in _records.Values.OrderBy(r => r.Timestamp))
        {
            yield return record;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
