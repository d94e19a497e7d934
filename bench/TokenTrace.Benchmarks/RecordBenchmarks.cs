using BenchmarkDotNet.Attributes;

namespace TokenTrace.Benchmarks;

/// <summary>The caller's side of <see cref="TokenTracker.Record(UsageRecord)"/>: validate, attribute, price, enqueue.</summary>
[MemoryDiagnoser]
public class RecordBenchmarks
{
    private TokenTracker _tracker = null!;
    private UsageRecord _record = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tracker = new TokenTracker(new DiscardingLedger(), new TokenTrackerOptions { Batching = { QueueCapacity = 1 << 20 } });
        _record = new UsageRecord
        {
            Id = "bench",
            Timestamp = DateTimeOffset.UtcNow,
            Model = "claude-sonnet-4-5-20250929",
            Provider = "anthropic",
            Tokens = new TokenCounts { Input = 1_200, CacheRead = 8_000, Output = 350 },
            Attribution = new Attribution { Project = "docs", Job = "nightly" },
        };
        _tracker.Record(_record); // warm the price resolution cache
    }

    [GlobalCleanup]
    public void Cleanup() => _tracker.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>A saturating loop: once the queue is full the caller waits for the writer (back-pressure), so this is the writer's pace.</summary>
    [Benchmark]
    public UsageRecord Record() => _tracker.Record(_record);

    [Benchmark]
    public UsageRecord PrepareOnly() => _tracker.Prepare(_record);

    /// <summary>The caller's part of <c>Record</c> without the queue: validate, attribute, price.</summary>
    [Benchmark]
    public UsageRecord AcceptOnly() => _tracker.Pipeline.Accept(_record);

    private sealed class DiscardingLedger : IUsageLedger
    {
        public string Spec => "discard:";

        public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) => Task.FromResult(new AppendResult(records.Count, 0));

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<UsageRecord>();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
