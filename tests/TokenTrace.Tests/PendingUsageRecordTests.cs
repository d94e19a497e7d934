using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace TokenTrace.Tests;

/// <summary>
/// <see cref="TokenTracker.RecordLaterAsync"/>: the record is made on the writer thread, with the caller's scope, and
/// nothing a bad record does reaches the caller; and the writer's batch gathering (<see cref="BatchingLedgerOptions.BatchDelay"/>).
/// </summary>
public sealed class PendingUsageRecordTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_pending_record_is_made_on_the_writer_with_the_callers_scope_not_the_writers()
    {
        var ledger = new MemoryLedger();
        TokenTracker tracker;

        // The writer starts inside this scope, so its execution context carries it: it must not leak into records.
        using (UsageScope.Begin(new Attribution { Project = "where-the-tracker-was-built" }))
        {
            tracker = new TokenTracker(ledger, new TokenTrackerOptions { Pipeline = { DefaultAttribution = new Attribution { User = "ci" } } });
        }

        await using (tracker)
        {
            var call = new Call("r1", "claude-sonnet-4-5", new TokenCounts { Input = 1000, Output = 100 });
            using (UsageScope.Begin(new Attribution { Project = "docs", Job = "nightly" }))
            {
                await tracker.RecordLaterAsync(call);
            }

            await tracker.FlushAsync();
            var stored = await ledger.ReadAsync(UsageQuery.All).SingleAsync();

            // $3/M input, $15/M output: 1000 × 3 / 1e6 + 100 × 15 / 1e6 = 0.003 + 0.0015.
            Assert.Equal(0.0045m, stored.CostUsd);
            Assert.Equal(new Attribution { Project = "docs", Job = "nightly", User = "ci" }, stored.Attribution);
            Assert.NotNull(stored.Impact);
            Assert.NotEqual(Environment.CurrentManagedThreadId, call.MadeOnThread);
            Assert.Equal(1, tracker.Statistics.Recorded);
            Assert.Equal(0, tracker.Statistics.Pending);
        }
    }

    [Fact]
    public async Task A_pending_record_that_cannot_be_made_or_is_invalid_is_not_stored_and_never_reaches_the_caller()
    {
        var ledger = new MemoryLedger();
        await using var tracker = new TokenTracker(ledger);
        await tracker.RecordLaterAsync(new Call("bad", "gpt-4o", new TokenCounts { Input = 5 }) { Throws = true });
        await tracker.RecordLaterAsync(new Call("negative", "gpt-4o", new TokenCounts { Input = -5 }));
        await tracker.RecordLaterAsync(new Call("good", "gpt-4o", new TokenCounts { Input = 5 }));
        await tracker.FlushAsync();

        Assert.Equal(["good"], ledger.Ids);
        Assert.Equal(1, tracker.Statistics.Recorded);
        Assert.Equal(0, tracker.Statistics.Pending);
    }

    [Fact]
    public async Task A_pending_record_is_handed_over_once()
    {
        await using var tracker = new TokenTracker(new MemoryLedger());
        var call = new Call("r1", "gpt-4o", new TokenCounts { Input = 5 });
        await tracker.RecordLaterAsync(call);
        await Assert.ThrowsAsync<InvalidOperationException>(() => tracker.RecordLaterAsync(call).AsTask());
    }

    [Fact]
    public async Task A_pending_record_that_finds_the_queue_full_is_made_and_spilled_then_replayed()
    {
        using var temp = new TempDirectory();
        var gate = new GatedLedger();
        var spill = temp.File("spill");
        var tracker = new TokenTracker(gate, new TokenTrackerOptions
        {
            Batching = { QueueCapacity = 1, BatchSize = 1, EnqueueTimeout = TimeSpan.Zero, BatchDelay = TimeSpan.Zero, SpillDirectory = spill },
        });

        // The first record is taken by the writer and held at the gate; the second fills the queue; the third spills.
        await tracker.RecordLaterAsync(new Call("a", "gpt-4o", new TokenCounts { Input = 5 }));
        await gate.Entered.WaitAsync(Patience);
        await tracker.RecordLaterAsync(new Call("b", "gpt-4o", new TokenCounts { Input = 5 }));
        using (UsageScope.Begin(new Attribution { Project = "spilled" }))
        {
            await tracker.RecordLaterAsync(new Call("c", "gpt-4o", new TokenCounts { Input = 5 }));
        }

        Assert.Equal(1, tracker.Statistics.Spilled);
        gate.Open();
        await tracker.DisposeAsync();

        Assert.Equal(["a", "b", "c"], gate.Stored.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("spilled", gate.Stored["c"].Attribution.Project);

        // 5 input tokens of gpt-4o at $2.50/M.
        Assert.Equal(0.0000125m, gate.Stored["c"].CostUsd);
    }

    [Fact]
    public async Task A_flush_does_not_wait_for_the_batch_delay()
    {
        var ledger = new MemoryLedger();
        await using var tracker = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { BatchDelay = TimeSpan.FromHours(1) } });
        await tracker.RecordLaterAsync(new Call("r1", "gpt-4o", new TokenCounts { Input = 5 }));
        tracker.Record(new UsageRecord { Id = "r2", Timestamp = At, Model = "gpt-4o", Tokens = new TokenCounts { Input = 5 } });

        // Without the flush waking the writer this would wait an hour; the timeout fails the test instead.
        await tracker.FlushAsync().WaitAsync(Patience);
        Assert.Equal(2, ledger.Count);
    }

    [Fact]
    public async Task A_full_batch_is_written_without_waiting_for_the_batch_delay_or_a_flush()
    {
        var ledger = new SignallingLedger(expected: 8);
        await using var tracker = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { BatchSize = 8, BatchDelay = TimeSpan.FromHours(1) } });
        for (var i = 0; i < 8; i++)
        {
            tracker.Record(new UsageRecord { Id = $"r{i}", Timestamp = At, Model = "gpt-4o", Tokens = new TokenCounts { Input = 5 } });
        }

        await ledger.All.WaitAsync(Patience);
        Assert.Equal(8, ledger.Count);
    }

    [Fact]
    public async Task Records_fewer_than_a_batch_are_written_after_the_batch_delay_without_a_flush()
    {
        var ledger = new SignallingLedger(expected: 3);
        await using var tracker = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { BatchDelay = TimeSpan.FromMilliseconds(20) } });
        for (var i = 0; i < 3; i++)
        {
            await tracker.RecordLaterAsync(new Call($"r{i}", "gpt-4o", new TokenCounts { Input = 5 }));
        }

        await ledger.All.WaitAsync(Patience);
        Assert.Equal(3, ledger.Count);
    }

    [Fact]
    public async Task Disposing_does_not_wait_for_the_batch_delay()
    {
        var ledger = new MemoryLedger();
        var tracker = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { BatchDelay = TimeSpan.FromHours(1) } });
        await tracker.RecordLaterAsync(new Call("r1", "gpt-4o", new TokenCounts { Input = 5 }));
        await tracker.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(1, ledger.Count);
    }

    [Fact]
    public void The_batch_delay_is_validated()
    {
        Assert.Equal("BatchDelay", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingLedgerOptions { BatchDelay = TimeSpan.FromSeconds(-1) }.Validate()).ParamName);
    }

    /// <summary>A call's facts, made into a record when the tracker asks.</summary>
    private sealed class Call(string id, string model, TokenCounts tokens) : PendingUsageRecord
    {
        public bool Throws { get; init; }

        public int MadeOnThread { get; private set; }

        protected override UsageRecord Create()
        {
            MadeOnThread = Environment.CurrentManagedThreadId;
            if (Throws)
            {
                throw new InvalidOperationException("the provider's answer could not be read");
            }

            return new UsageRecord { Id = id, Timestamp = At, Model = model, Tokens = tokens };
        }
    }

    /// <summary>Holds the first append until opened, so the queue behind it can fill.</summary>
    private sealed class GatedLedger : IUsageLedger
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentDictionary<string, UsageRecord> Stored { get; } = new(StringComparer.Ordinal);

        public Task Entered => _entered.Task;

        public string Spec => "gated:";

        public void Open() => _open.TrySetResult();

        public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
        {
            _entered.TrySetResult();
            await _open.Task.ConfigureAwait(false);
            var added = records.Count(r => Stored.TryAdd(r.Id, r));
            return new AppendResult(added, records.Count - added);
        }

        public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            foreach (var record in Stored.Values)
            {
                yield return record;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Completes <see cref="All"/> once it holds the expected number of records.</summary>
    private sealed class SignallingLedger(int expected) : IUsageLedger
    {
        private readonly MemoryLedger _inner = new();
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task All => _all.Task;

        public int Count => _inner.Count;

        public string Spec => "signalling:";

        public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
        {
            var result = await _inner.AppendAsync(records, cancellationToken).ConfigureAwait(false);
            if (_inner.Count >= expected)
            {
                _all.TrySetResult();
            }

            return result;
        }

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) => _inner.ReadAsync(query, cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
