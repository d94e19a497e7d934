namespace TokenTrace.Tests;

public sealed class TokenTrackerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Recording_prices_attributes_and_persists_on_flush()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("usage"));
        await using var tracker = new TokenTracker(ledger, new TokenTrackerOptions { DefaultAttribution = new Attribution { Project = "default", User = "ci" } });
        UsageRecord recorded;
        using (UsageScope.Begin(new Attribution { Job = "nightly", Project = "docs" }))
        using (UsageScope.Begin(new Attribution { Task = "summarize" }))
        {
            recorded = tracker.Record(new UsageRecord { Id = "r1", Timestamp = At, Model = "claude-sonnet-4-5", Tokens = new TokenCounts { Input = 1000, Output = 100 } });
        }

        Assert.Equal(0.0045m, recorded.CostUsd);
        Assert.Equal(new Attribution { Project = "docs", Job = "nightly", Task = "summarize", User = "ci" }, recorded.Attribution);
        var totals = await tracker.GetJobTotalsAsync("nightly");
        Assert.Equal(1, totals.Records);
        Assert.Equal(0.0045m, totals.CostUsd);
    }

    [Fact]
    public async Task An_unknown_model_is_kept_with_a_null_cost_and_counted()
    {
        using var temp = new TempDirectory();
        await using var tracker = new TokenTracker(new JsonlUsageLedger(temp.File("usage")));
        var recorded = tracker.Record("no-such-model", new TokenCounts { Input = 10 });
        Assert.Null(recorded.CostUsd);
        var summary = await tracker.SummarizeAsync();
        Assert.Equal(1, summary.Total.UnpricedRecords);
        Assert.Equal(0m, summary.Total.CostUsd);
        Assert.Equal(1, tracker.Statistics.Unpriced);
    }

    [Fact]
    public void Invalid_input_throws_naming_the_field()
    {
        using var temp = new TempDirectory();
        var tracker = new TokenTracker(new JsonlUsageLedger(temp.File("usage")));
        var error = Assert.Throws<ArgumentException>(() => tracker.Record("gpt-4o", new TokenCounts { Output = -3 }));
        Assert.Contains("output", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_ledger_never_throws_into_the_caller_and_records_spill_then_replay()
    {
        using var temp = new TempDirectory();
        var failing = new FailingLedger();
        var options = new TokenTrackerOptions { SpillDirectory = temp.File("spill"), MaxWriteAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(1) };
        var tracker = new TokenTracker(failing, options);
        for (var i = 0; i < 10; i++)
        {
            tracker.Record(new UsageRecord { Id = $"r{i}", Timestamp = At, Model = "gpt-4o", Tokens = new TokenCounts { Input = 5 } });
        }

        await tracker.FlushAsync();
        await tracker.DisposeAsync();
        Assert.Equal(10, tracker.Statistics.Spilled);
        Assert.Equal(0, tracker.Statistics.Lost);
        Assert.True(tracker.Statistics.FailedWrites >= 2);

        // The next tracker, with a working ledger, replays the spill exactly once.
        var good = new JsonlUsageLedger(temp.File("usage"));
        await using (var next = new TokenTracker(good, new TokenTrackerOptions { SpillDirectory = temp.File("spill") }))
        {
            await Task.Delay(200);
            await next.FlushAsync();
        }

        await using var again = new TokenTracker(good, new TokenTrackerOptions { SpillDirectory = temp.File("spill") });
        var summary = await again.SummarizeAsync();
        Assert.Equal(10, summary.Total.Records);
    }

    [Fact]
    public async Task With_throw_on_failure_the_error_surfaces_at_flush()
    {
        var tracker = new TokenTracker(new FailingLedger(), new TokenTrackerOptions { ThrowOnLedgerFailure = true, MaxWriteAttempts = 1 });
        tracker.Record("gpt-4o", new TokenCounts { Input = 1 });
        await Assert.ThrowsAsync<IOException>(() => tracker.FlushAsync());
    }

    private sealed class FailingLedger : IUsageLedger
    {
        public string Spec => "failing:";

        public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
            throw new IOException("disk on fire");

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) => throw new IOException("disk on fire");

        public Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default) =>
            throw new IOException("disk on fire");

        public Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default) => throw new IOException("disk on fire");

        public Task<LedgerHealth> CheckAsync(CancellationToken cancellationToken = default) => throw new IOException("disk on fire");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
