using System.Collections.Concurrent;

namespace TokenTrace.Tests.Sinks;

public sealed class BufferedUsageSinkTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_sink_that_fails_twice_gets_the_record_on_the_third_attempt()
    {
        var sink = new ScriptedSink(failures: 2);
        await using var buffered = new BufferedUsageSink(sink, new BufferedUsageSinkOptions { MaxAttempts = 3, RetryDelay = TimeSpan.Zero });

        buffered.Emit(Record("a"));
        await buffered.FlushAsync().WaitAsync(Bound);

        Assert.Equal(["a"], sink.Received);
        Assert.Equal((1, 2, 0), (buffered.Delivered, buffered.Failures, buffered.Dropped));
    }

    [Fact]
    public async Task A_sink_that_always_fails_drops_the_record_after_its_attempts_and_counts_both()
    {
        var sink = new ScriptedSink(failures: int.MaxValue);
        await using var buffered = new BufferedUsageSink(sink, new BufferedUsageSinkOptions { MaxAttempts = 3, RetryDelay = TimeSpan.Zero });

        buffered.Emit(Record("a"));
        await buffered.FlushAsync().WaitAsync(Bound);

        Assert.Empty(sink.Received);
        Assert.Equal((0, 3, 1), (buffered.Delivered, buffered.Failures, buffered.Dropped));
    }

    [Fact]
    public async Task A_stuck_sink_never_blocks_Emit_and_what_overflows_the_queue_is_dropped_and_counted()
    {
        var sink = new ScriptedSink(failures: 0) { Gate = new ManualResetEventSlim(false) };
        await using var buffered = new BufferedUsageSink(sink, new BufferedUsageSinkOptions { Capacity = 2, RetryDelay = TimeSpan.Zero });

        buffered.Emit(Record("r0"));
        await sink.Entered.Task.WaitAsync(Bound); // r0 is inside the sink, which is stuck

        // Synchronous Emit calls on another thread, bounded: were Emit to wait for the sink, this would time out.
        await Task.Run(() =>
        {
            for (var i = 1; i <= 4; i++)
            {
                buffered.Emit(Record($"r{i}"));
            }
        }).WaitAsync(Bound);

        Assert.Equal(2, buffered.Dropped); // r1 and r2 fill the queue of 2; r3 and r4 do not fit
        sink.Gate.Set();
        await buffered.FlushAsync().WaitAsync(Bound);
        Assert.Equal(["r0", "r1", "r2"], sink.Received);
        Assert.Equal(3, buffered.Delivered);
    }

    [Fact]
    public async Task Disposing_gives_a_stuck_sink_the_drain_timeout_then_counts_what_is_left_as_dropped()
    {
        var sink = new ScriptedSink(failures: 0) { Gate = new ManualResetEventSlim(false) };
        var buffered = new BufferedUsageSink(sink, new BufferedUsageSinkOptions { DrainTimeout = TimeSpan.FromMilliseconds(100) });
        buffered.Emit(Record("r0"));
        await sink.Entered.Task.WaitAsync(Bound);
        buffered.Emit(Record("r1"));
        buffered.Emit(Record("r2"));

        await buffered.DisposeAsync().AsTask().WaitAsync(Bound); // returns though the sink is still stuck

        Assert.Equal(3, buffered.Dropped);
        buffered.Emit(Record("late"));
        Assert.Equal(4, buffered.Dropped); // after dispose, nothing is queued
        sink.Gate.Set();
    }

    [Fact]
    public async Task A_failing_buffered_sink_stops_neither_the_ledger_nor_the_other_sinks()
    {
        var ledger = new MemoryLedger();
        var healthy = new ScriptedSink(failures: 0);
        await using var broken = new BufferedUsageSink(new ScriptedSink(failures: int.MaxValue), new BufferedUsageSinkOptions { MaxAttempts = 2, RetryDelay = TimeSpan.Zero });
        var options = new TokenTrackerOptions();
        options.Sinks.Add(broken);
        options.Sinks.Add(healthy);
        await using (var tracker = new TokenTracker(ledger, options))
        {
            tracker.Record(Record("a"));
            tracker.Record(Record("b"));
            tracker.Record(Record("c"));
            await tracker.FlushAsync();
        }

        await broken.FlushAsync().WaitAsync(Bound);
        Assert.Equal(3, ledger.Count);
        Assert.Equal(["a", "b", "c"], healthy.Received.Order(StringComparer.Ordinal));
        Assert.Equal((0, 6, 3), (broken.Delivered, broken.Failures, broken.Dropped));
    }

    private static UsageRecord Record(string id) => new()
    {
        Id = id,
        Timestamp = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
        Model = "claude-sonnet-4-5",
        Tokens = new TokenCounts { Input = 10, Output = 5 },
    };

    /// <summary>Throws its first <c>failures</c> calls; with a <see cref="Gate"/>, waits on it inside Emit.</summary>
    private sealed class ScriptedSink(int failures) : IUsageSink
    {
        private readonly ConcurrentQueue<string> _received = new();
        private int _calls;

        public ManualResetEventSlim? Gate { get; init; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<string> Received => [.. _received];

        public void Emit(UsageRecord record)
        {
            Entered.TrySetResult();
            Gate?.Wait(Bound);
            if (Interlocked.Increment(ref _calls) <= failures)
            {
                throw new IOException("the webhook is down");
            }

            _received.Enqueue(record.Id);
        }
    }
}
