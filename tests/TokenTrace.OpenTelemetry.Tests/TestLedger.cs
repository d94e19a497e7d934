using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>An in-memory ledger that can be told to refuse every append.</summary>
internal sealed class TestLedger(bool failing = false) : IUsageLedger
{
    private readonly ConcurrentDictionary<string, UsageRecord> _records = new(StringComparer.Ordinal);

    public string Spec => "memory:";

    public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        if (failing)
        {
            throw new IOException("the store is down");
        }

        var added = records.Count(r => _records.TryAdd(r.Id, r));
        return Task.FromResult(new AppendResult(added, records.Count - added));
    }

    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        foreach (var record in _records.Values)
        {
            yield return record;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
