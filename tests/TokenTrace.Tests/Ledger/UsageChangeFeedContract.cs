namespace TokenTrace.Tests;

/// <summary>
/// The behaviour every <see cref="IUsageChangeFeed"/> must have (the DuckDB copy and <c>tokentrace push</c> read a ledger
/// through it). Each store's test class derives from this and says how to open the store; the same test then runs
/// against SQLite and PostgreSQL.
/// </summary>
public abstract class UsageChangeFeedContract
{
    /// <summary>The instant <see cref="Make"/> counts minutes from.</summary>
    protected static readonly DateTimeOffset At = new(2026, 11, 23, 10, 7, 0, TimeSpan.Zero);

    /// <summary>Opens a new, empty ledger that offers a change feed, keeping any files under <paramref name="directory"/>.</summary>
    protected abstract Task<IUsageLedger> OpenAsync(string directory);

    /// <summary>A record of 10 input and 5 output tokens at <paramref name="minutes"/> after a fixed instant.</summary>
    protected static UsageRecord Make(string id, decimal? cost = 1m, int minutes = 0) => new()
    {
        Id = id, Timestamp = At.AddMinutes(minutes), Model = "m", CostUsd = cost, Tokens = new TokenCounts { Input = 10, Output = 5 },
    };

    [Fact]
    public async Task The_feed_gives_new_records_in_order_and_the_records_whose_cost_was_revised()
    {
        using var temp = new TempDirectory();
        await using var ledger = await OpenAsync(temp.Path);
        var feed = ledger.GetService<IUsageChangeFeed>()!;
        var empty = await feed.GetPositionAsync();
        Assert.Equal((0L, 0L), (empty.LastSequence, empty.LastChange));

        // c is 40 days later (another month: another partition where the store has them).
        await ledger.AppendAsync([Make("a"), Make("b", minutes: -5), Make("c", minutes: 60 * 24 * 40)]);
        await ledger.AppendAsync([Make("a"), Make("d")]); // the duplicate takes no sequence number
        var position = await feed.GetPositionAsync();
        Assert.Equal(empty.LedgerId, position.LedgerId);
        var all = new List<SequencedUsageRecord>();
        await foreach (var batch in feed.ReadAfterAsync(0, position.LastSequence, batchSize: 3))
        {
            Assert.InRange(batch.Count, 1, 3);
            all.AddRange(batch);
        }

        Assert.Equal(["a", "b", "c", "d"], all.Select(r => r.Record.Id));
        Assert.Equal(position.LastSequence, all[^1].Sequence);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        var after = new List<string>();
        await foreach (var batch in feed.ReadAfterAsync(all[1].Sequence, all[2].Sequence))
        {
            after.AddRange(batch.Select(r => r.Record.Id));
        }

        Assert.Equal(["c"], after);

        // Three changes: b, d, then b again; d's revision to the cost it has is no change.
        await ledger.GetService<ICostReviser>()!.ReviseCostsAsync([new CostRevision("b", 2m, null), new CostRevision("d", 3m, null)]);
        await ledger.GetService<ICostReviser>()!.ReviseCostsAsync([new CostRevision("b", 4m, null), new CostRevision("d", 3m, null)]);
        var revised = await feed.GetPositionAsync();
        Assert.Equal(position.LastSequence, revised.LastSequence);
        Assert.Equal(position.LastChange + 3, revised.LastChange);
        Assert.Equal([all[1].Sequence, all[3].Sequence], await feed.ChangedAsync(position.LastChange, revised.LastChange));
        Assert.Equal([all[1].Sequence], await feed.ChangedAsync(position.LastChange + 2, revised.LastChange));
        Assert.NotNull(await feed.GetChangeMarkAsync(revised.LastChange));
        Assert.Null(await feed.GetChangeMarkAsync(revised.LastChange + 1));

        var reread = await feed.ReadSequencesAsync([all[3].Sequence, all[1].Sequence, 999_999]);
        Assert.Equal([("b", 4m), ("d", 3m)], reread.Select(r => (r.Record.Id, r.Record.CostUsd!.Value)));
    }
}
