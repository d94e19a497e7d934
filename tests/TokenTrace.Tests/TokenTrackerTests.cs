using System.Diagnostics.Metrics;
using TokenTrace.TrackerHost;

namespace TokenTrace.Tests;

public sealed class TokenTrackerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static UsageRecord Call(string id) =>
        new() { Id = id, Timestamp = At, Model = "gpt-4o", Tokens = new TokenCounts { Input = 5 } };

    [Fact]
    public async Task Recording_prices_attributes_and_persists_on_flush()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("usage"));
        var options = new TokenTrackerOptions { Pipeline = { DefaultAttribution = new Attribution { Project = "default", User = "ci" } } };
        await using var tracker = new TokenTracker(ledger, options);
        UsageRecord recorded;
        using (UsageScope.Begin(new Attribution { Job = "nightly", Project = "docs" }))
        using (UsageScope.Begin(new Attribution { Task = "summarize" }))
        {
            recorded = tracker.Record(new UsageRecord { Id = "r1", Timestamp = At, Model = "claude-sonnet-4-5", Tokens = new TokenCounts { Input = 1000, Output = 100 } });
        }

        // $3/M input, $15/M output.
        Assert.Equal(0.0045m, recorded.CostUsd);
        Assert.Equal(new Attribution { Project = "docs", Job = "nightly", Task = "summarize", User = "ci" }, recorded.Attribution);
        var totals = await tracker.GetJobTotalsAsync("nightly");
        Assert.Equal(1, totals.Records);
        Assert.Equal(0.0045m, totals.CostUsd);
        var stored = await ledger.ReadAsync(UsageQuery.All).SingleAsync();
        Assert.NotNull(stored.Impact); // estimated on the writer thread
    }

    [Fact]
    public async Task An_unknown_model_is_kept_with_a_null_cost_and_counted()
    {
        var ledger = new MemoryLedger();
        await using var tracker = new TokenTracker(ledger);
        var recorded = tracker.Record("no-such-model", new TokenCounts { Input = 10 });
        Assert.Null(recorded.CostUsd);
        var summary = await tracker.SummarizeAsync();
        Assert.Equal(1, summary.Total.UnpricedRecords);
        Assert.Equal(0m, summary.Total.CostUsd);
        Assert.Equal(1, tracker.Statistics.Unpriced);
    }

    [Fact]
    public async Task Invalid_input_throws_naming_the_field()
    {
        await using var tracker = new TokenTracker(new MemoryLedger());
        var error = Assert.Throws<ArgumentException>(() => tracker.Record("gpt-4o", new TokenCounts { Output = -3 }));
        Assert.Contains("output", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, tracker.Statistics.Recorded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_batch_size_below_one_is_refused_naming_the_option(int batchSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TokenTracker(new MemoryLedger(), new TokenTrackerOptions { Batching = { BatchSize = batchSize } }));
        Assert.Equal("BatchSize", error.ParamName);
    }

    [Fact]
    public void Other_out_of_range_options_are_refused_naming_the_option()
    {
        Assert.Equal("QueueCapacity", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingLedgerOptions { QueueCapacity = 0 }.Validate()).ParamName);
        Assert.Equal("MaxWriteAttempts", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingLedgerOptions { MaxWriteAttempts = 0 }.Validate()).ParamName);
        Assert.Equal("EnqueueTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingLedgerOptions { EnqueueTimeout = TimeSpan.FromSeconds(-1) }.Validate()).ParamName);
    }

    [Fact]
    public async Task A_full_queue_applies_back_pressure_and_loses_nothing()
    {
        using var temp = new TempDirectory();
        var ledger = new MemoryLedger();
        var tracker = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { QueueCapacity = 4, BatchSize = 4, SpillDirectory = temp.File("spill") } });
        for (var i = 0; i < 20_000; i++)
        {
            tracker.Record(Call($"r{i}"));
        }

        await tracker.DisposeAsync();
        Assert.Equal(20_000, ledger.Count);
        var statistics = tracker.Statistics;
        Assert.Equal(0, statistics.Spilled);
        Assert.Equal(0, statistics.Lost);
        Assert.True(statistics.Persisted >= 20_000);
        Assert.True(ledger.Appends >= 5_000); // batches of at most 4: the caller really waited for the writer
    }

    [Fact]
    public async Task A_failing_ledger_never_throws_into_the_caller_and_records_spill_then_replay_once()
    {
        using var temp = new TempDirectory();
        var options = new TokenTrackerOptions { Batching = { SpillDirectory = temp.File("spill"), MaxWriteAttempts = 2, RetryDelay = TimeSpan.Zero } };
        var tracker = new TokenTracker(new FailingLedger(), options);
        for (var i = 0; i < 10; i++)
        {
            tracker.Record(Call($"r{i}"));
        }

        await tracker.DisposeAsync();
        Assert.Equal(10, tracker.Statistics.Spilled);
        Assert.Equal(0, tracker.Statistics.Lost);
        Assert.True(tracker.Statistics.FailedWrites >= 2);
        Assert.Single(Directory.GetFiles(temp.File("spill"), "*.jsonl"));

        // The next tracker, with a working ledger, replays the spill before anything else, exactly once.
        var good = new MemoryLedger();
        await using (var next = new TokenTracker(good, new TokenTrackerOptions { Batching = { SpillDirectory = temp.File("spill") } }))
        {
            next.Record(Call("after"));
            await next.FlushAsync();
            Assert.Equal(10, next.Statistics.Replayed);
        }

        Assert.Equal(11, good.Count);
        Assert.Empty(Directory.GetFiles(temp.File("spill"), "*.jsonl*"));
        await using var again = new TokenTracker(good, new TokenTrackerOptions { Batching = { SpillDirectory = temp.File("spill") } });
        await again.FlushAsync();
        Assert.Equal(0, again.Statistics.Replayed);
    }

    [Fact]
    public async Task A_spill_file_held_by_a_live_writer_is_not_replayed_from_under_it()
    {
        using var temp = new TempDirectory();
        var spill = temp.File("spill");
        var options = new TokenTrackerOptions { Batching = { SpillDirectory = spill, MaxWriteAttempts = 1, RetryDelay = TimeSpan.Zero } };
        var failing = new TokenTracker(new FailingLedger(), options);
        failing.Record(Call("held"));
        await failing.FlushAsync(); // spilled, and the spill file stays open while the tracker lives

        var good = new MemoryLedger();
        await using (var other = new TokenTracker(good, new TokenTrackerOptions { Batching = { SpillDirectory = spill } }))
        {
            await other.FlushAsync();
        }

        Assert.Equal(0, good.Count);
        failing.Record(Call("held-2")); // still spills into its own, intact file
        await failing.DisposeAsync();
        await using (var last = new TokenTracker(good, new TokenTrackerOptions { Batching = { SpillDirectory = spill } }))
        {
        }

        Assert.Equal(["held", "held-2"], good.Ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_throw_on_failure_the_error_surfaces_at_flush()
    {
        using var temp = new TempDirectory();
        var tracker = new TokenTracker(new FailingLedger(), new TokenTrackerOptions { Batching = { ThrowOnLedgerFailure = true, MaxWriteAttempts = 1, SpillDirectory = temp.File("spill") } });
        tracker.Record("gpt-4o", new TokenCounts { Input = 1 });
        await Assert.ThrowsAsync<IOException>(() => tracker.FlushAsync());
    }

    [Fact]
    public async Task A_spill_folder_that_cannot_be_written_counts_records_as_lost_and_surfaces_them()
    {
        using var temp = new TempDirectory();
        var blocker = temp.File("not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the spill folder should be");
        var tracker = new TokenTracker(new FailingLedger(), new TokenTrackerOptions { Batching = { MaxWriteAttempts = 1, RetryDelay = TimeSpan.Zero, SpillDirectory = Path.Combine(blocker, "spill"), ThrowOnLedgerFailure = true } });
        tracker.Record(Call("x"));
        await Assert.ThrowsAnyAsync<IOException>(() => tracker.FlushAsync());
        Assert.Equal(1, tracker.Statistics.Lost);
        Assert.Equal(0, tracker.Statistics.Pending);
    }

    [Fact]
    public async Task Eight_threads_a_tiny_queue_and_a_ledger_failing_30_percent_lose_and_duplicate_nothing()
    {
        using var temp = new TempDirectory();
        var spill = temp.File("spill");
        var store = new MemoryLedger();
        var flaky = new FlakyLedger(store, 0.2, 0.1, seed: 42);
        var tracker = new TokenTracker(flaky, new TokenTrackerOptions { Batching = { QueueCapacity = 16, SpillDirectory = spill, MaxWriteAttempts = 2, RetryDelay = TimeSpan.Zero } });
        const int Threads = 8, PerThread = 50_000;
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                tracker.Record(Call($"t{t}-{i}"));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        await tracker.DisposeAsync();

        var statistics = tracker.Statistics;
        Assert.Equal(Threads * PerThread, statistics.Recorded);
        Assert.Equal(0, statistics.Lost);
        Assert.Equal(0, statistics.Pending);
        Assert.True(flaky.Failures > 1000, $"only {flaky.Failures} injected failures");
        Assert.True(statistics.Spilled > 0, "no batch gave up, so the spill path was not exercised");

        // Whatever the failing ledger did not take was spilled; replay it into the store.
        await using (var replay = new TokenTracker(store, new TokenTrackerOptions { Batching = { SpillDirectory = spill } }))
        {
        }

        var expected = Enumerable.Range(0, Threads).SelectMany(t => Enumerable.Range(0, PerThread).Select(i => $"t{t}-{i}")).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(expected.Count, store.Count);
        Assert.True(expected.SetEquals(store.Ids));
        Assert.Empty(Directory.GetFiles(spill, "*.jsonl*"));
    }

    [Fact]
    public async Task The_tracker_meter_reports_accepted_written_and_pending_records()
    {
        var ledger = new MemoryLedger();
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var tracker = new TokenTracker(ledger);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "TokenTrace")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        tracker.Record(Call("m1"));
        tracker.Record("no-such-model", new TokenCounts { Input = 1 });
        await tracker.FlushAsync();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen["tokentrace.tracker.records.accepted"]);
        Assert.Equal(2, seen["tokentrace.tracker.records.written"]);
        Assert.Equal(1, seen["tokentrace.tracker.records.unpriced"]);
        Assert.Equal(0, seen["tokentrace.tracker.records.pending"]);
        Assert.Equal(0, seen["tokentrace.tracker.records.lost"]);
    }

    [Fact]
    public async Task A_writer_that_stops_on_an_unexpected_error_spills_what_it_held_and_wakes_every_waiter()
    {
        using var temp = new TempDirectory();
        var spill = temp.File("spill");
        var tracker = new TokenTracker(new BrokenLedger(), new TokenTrackerOptions { Batching = { SpillDirectory = spill, ThrowOnLedgerFailure = true } });
        tracker.Record(Call("before"));

        // The writer dies on the first batch; the flush must return (with the failure), not wait for ever.
        await Assert.ThrowsAsync<IOException>(() => tracker.FlushAsync());
        tracker.Record(Call("after")); // goes straight to the spill file
        await tracker.FlushAsync();
        Assert.Equal(2, tracker.Statistics.Spilled);
        Assert.Equal(0, tracker.Statistics.Pending);
        await tracker.DisposeAsync();

        var good = new MemoryLedger();
        await using (var next = new TokenTracker(good, new TokenTrackerOptions { Batching = { SpillDirectory = spill } }))
        {
        }

        Assert.Equal(["after", "before"], good.Ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_record_whose_wait_for_room_is_cancelled_is_spilled_and_flush_still_returns()
    {
        using var temp = new TempDirectory();
        var gated = new GatedLedger();
        var tracker = new TokenTracker(gated, new TokenTrackerOptions { Batching = { QueueCapacity = 1, BatchSize = 1, SpillDirectory = temp.File("spill") } });
        tracker.Record(Call("r1"));
        await gated.Entered.Task; // the writer holds r1 in the ledger call
        tracker.Record(Call("r2")); // fills the queue
        using var cancel = new CancellationTokenSource();
        var waiting = tracker.RecordAsync(Call("r3"), cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        gated.Open.SetResult();
        await tracker.FlushAsync();
        Assert.Equal(1, tracker.Statistics.Spilled);
        Assert.Equal(3, tracker.Statistics.Recorded);
        Assert.Equal(0, tracker.Statistics.Pending);
        Assert.Equal(["r1", "r2"], gated.Store.Ids.Order(StringComparer.Ordinal));
        await tracker.DisposeAsync(); // replays r3 into the working ledger
        Assert.Equal(["r1", "r2", "r3"], gated.Store.Ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Flush_waits_for_records_queued_before_it_even_when_later_ones_spill_first()
    {
        using var temp = new TempDirectory();
        var gated = new GatedLedger();
        await using var tracker = new TokenTracker(gated, new TokenTrackerOptions { Batching = { QueueCapacity = 1, BatchSize = 1, EnqueueTimeout = TimeSpan.Zero, SpillDirectory = temp.File("spill") } });
        tracker.Record(Call("r1"));
        await gated.Entered.Task;
        tracker.Record(Call("r2")); // queued behind r1
        var storedWhenFlushed = tracker.FlushAsync().ContinueWith(_ => gated.Store.Count, TaskScheduler.Default);
        tracker.Record(Call("r3")); // the queue is full and there is no wait: both spill at once, finishing before r1 and r2
        tracker.Record(Call("r4"));
        Assert.Equal(2, tracker.Statistics.Spilled);

        gated.Open.SetResult();
        Assert.Equal(2, await storedWhenFlushed);
    }

    [Fact]
    public void Waits_longer_than_timers_allow_are_refused_naming_the_option()
    {
        Assert.Equal("EnqueueTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingLedgerOptions { EnqueueTimeout = TimeSpan.FromDays(60) }.Validate()).ParamName);
        Assert.Equal("ExitGracePeriod", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingLedgerOptions { ExitGracePeriod = TimeSpan.MaxValue }.Validate()).ParamName);
        Assert.Equal("RetryDelay", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingLedgerOptions { RetryDelay = TimeSpan.FromDays(25) }.Validate()).ParamName);
    }

    [Fact]
    public async Task Options_changed_after_the_tracker_was_built_do_not_reach_it()
    {
        var options = new TokenTrackerOptions();
        var ledger = new MemoryLedger();
        await using var tracker = new TokenTracker(ledger, options);
        options.Batching.BatchSize = 0; // would spin the writer for ever if it were read live
        tracker.Record(Call("r1"));
        await tracker.FlushAsync();
        Assert.Equal(1, ledger.Count);
    }

    /// <summary>A ledger whose first append waits until the test opens it.</summary>
    private sealed class GatedLedger : DelegatingUsageLedger
    {
        public GatedLedger()
            : base(new MemoryLedger())
        {
        }

        public MemoryLedger Store => (MemoryLedger)InnerLedger;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Open.Task;
            return await base.AppendAsync(records, cancellationToken);
        }
    }

    /// <summary>A ledger with a bug: it throws what no retry should catch.</summary>
    private sealed class BrokenLedger : IUsageLedger
    {
        public string Spec => "broken:";

        public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
            throw new OutOfMemoryException("simulated bug");

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<UsageRecord>();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class FailingLedger : IUsageLedger
    {
        public string Spec => "failing:";

        public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
            throw new IOException("disk on fire");

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) => throw new IOException("disk on fire");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
