using System.Globalization;

namespace TokenTrace.Tests;

/// <summary>The tracker in real processes: a tight loop with default options, signals midway, two processes sharing a spill folder.</summary>
public sealed class TrackerProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_app_recording_200000_calls_in_a_tight_loop_with_default_options_stores_every_one()
    {
        using var temp = new TempDirectory();
        using var host = new TrackerHostProcess(temp.File("usage"), temp.File("spill"), "r", 200_000, "default", 0, 50_000);
        var exit = await host.WaitForExitAsync(Patience);
        Assert.True(exit == 0, await host.Error);
        Assert.Equal("done 0 0", host.Done);
        Assert.Equal(200_000, await CountAsync(temp.File("usage")));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_midway_keeps_every_record_that_Record_returned_for_and_the_next_start_replays_the_spill(string signal)
    {
        using var temp = new TempDirectory();
        using var host = new TrackerHostProcess(temp.File("usage"), temp.File("spill"), "r", 50_000_000, "default", 0, 10_000);
        await host.WhenAcceptedAsync(100_000).WaitAsync(Patience);
        host.Signal(signal);
        await host.WaitForExitAsync(Patience);
        var acknowledged = host.Accepted;
        Assert.Null(host.Done); // it was stopped, not finished

        // The next start replays whatever the exit left in the spill folder.
        var ledger = new JsonlUsageLedger(temp.File("usage"));
        await using (var next = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { SpillDirectory = temp.File("spill") } }))
        {
        }

        var indexes = new List<long>();
        await foreach (var record in ledger.ReadAsync(UsageQuery.All))
        {
            indexes.Add(long.Parse(record.Id.AsSpan(2), CultureInfo.InvariantCulture));
        }

        // The loop records r-0, r-1, … in order, so what returned from Record is a prefix: no gap, and at least what was reported.
        indexes.Sort();
        Assert.True(indexes.Count >= acknowledged, $"{indexes.Count} stored, {acknowledged} acknowledged");
        Assert.Equal(indexes.Count - 1, indexes[^1]);
        Assert.Empty(Directory.GetFiles(temp.File("spill"), "*.jsonl*"));
    }

    [Fact]
    public async Task Two_processes_sharing_a_spill_folder_with_a_failing_ledger_lose_and_duplicate_nothing()
    {
        using var temp = new TempDirectory();
        const int PerProcess = 60_000;
        using var first = new TrackerHostProcess(temp.File("usage"), temp.File("spill"), "a", PerProcess, "64", 0.3, 5_000);

        // The second starts (and replays the shared folder) while the first is spilling into its own file.
        await first.WhenAcceptedAsync(20_000).WaitAsync(Patience);
        using var second = new TrackerHostProcess(temp.File("usage"), temp.File("spill"), "b", PerProcess, "64", 0.3, 5_000);
        Assert.Equal(0, await second.WaitForExitAsync(Patience));
        Assert.Equal(0, await first.WaitForExitAsync(Patience));
        Assert.EndsWith(" 0", first.Done, StringComparison.Ordinal); // lost: 0
        Assert.EndsWith(" 0", second.Done, StringComparison.Ordinal);
        Assert.NotEqual("done 0 0", first.Done); // the failing ledger did make it spill

        var ledger = new JsonlUsageLedger(temp.File("usage"));
        await using (var next = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { SpillDirectory = temp.File("spill") } }))
        {
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var record in ledger.ReadAsync(UsageQuery.All))
        {
            Assert.True(ids.Add(record.Id), $"{record.Id} read twice");
        }

        var expected = new[] { "a", "b" }.SelectMany(p => Enumerable.Range(0, PerProcess).Select(i => $"{p}-{i}")).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(expected.Count, ids.Count);
        Assert.True(expected.SetEquals(ids));
        Assert.Empty(Directory.GetFiles(temp.File("spill"), "*.jsonl*"));
    }

    private static async Task<long> CountAsync(string directory)
    {
        long count = 0;
        await foreach (var _ in new JsonlUsageLedger(directory).ReadAsync(UsageQuery.All))
        {
            count++;
        }

        return count;
    }
}
