using System.Collections.Concurrent;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// <see cref="IUsageBulkAppender"/>: one write transaction for many appends (an import, a coding agent's first sync).
/// A wrapper that acts on appends (sinks, estimates, batching) must hide its inner ledger's transaction, or a bulk
/// writer would store records the wrapper never saw.
/// </summary>
public sealed class BulkAppendSeamTests
{
    private static UsageRecord Call(string id) => new()
    {
        Id = id,
        Timestamp = new DateTimeOffset(2026, 12, 8, 10, 0, 0, TimeSpan.Zero),
        Model = "gpt-4o",
        Tokens = new TokenCounts { Input = 5 },
    };

    [Fact]
    public async Task Records_appended_in_a_write_transaction_are_stored_at_its_commit_and_not_at_all_without_it()
    {
        using var temp = new TempDirectory();
        await using var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        var bulk = ledger.GetService<IUsageBulkAppender>()!;

        await using (var rolledBack = await bulk.BeginAppendTransactionAsync())
        {
            Assert.Equal(new AppendResult(2, 0), rolledBack.Append([Call("a"), Call("b")]));
        }

        Assert.Empty(await ledger.ReadAsync(UsageQuery.All).ToListAsync());

        await using (var kept = await bulk.BeginAppendTransactionAsync())
        {
            Assert.Equal(new AppendResult(2, 0), kept.Append([Call("a"), Call("b")]));
            Assert.Equal(new AppendResult(1, 1), kept.Append([Call("b"), Call("c")])); // b: appended earlier in this one
            Assert.Empty(await ledger.ReadAsync(UsageQuery.All).ToListAsync()); // not visible before the commit
            kept.Commit();
        }

        Assert.Equal(["a", "b", "c"], (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Select(r => r.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_wrapper_that_acts_on_appends_hides_the_transaction_and_one_that_passes_them_through_offers_it()
    {
        using var temp = new TempDirectory();
        var sqlite = new SqliteUsageLedger(temp.File("usage.db"));
        var sink = new CollectingSink();
        await using var sinking = new SinkingUsageLedger(sqlite, [sink]);

        Assert.Null(sinking.GetService<IUsageBulkAppender>());
        await using (var batching = new BatchingUsageLedger(new PassingThrough(new SqliteUsageLedger(temp.File("other.db")))))
        {
            Assert.Null(batching.GetService<IUsageBulkAppender>());
        }

        Assert.NotNull(sinking.GetService<IUsageChangeFeed>()); // other capabilities still pass
        Assert.Same(sqlite, new PassingThrough(sqlite).GetService<IUsageBulkAppender>());

        // What a writer that asks for the capability does: through the sink, the record reaches the sink.
        var ledger = (IUsageLedger)sinking;
        if (ledger.GetService<IUsageBulkAppender>() is { } bulk)
        {
            await using var transaction = await bulk.BeginAppendTransactionAsync();
            transaction.Append([Call("a")]);
            transaction.Commit();
        }
        else
        {
            await ledger.AppendAsync([Call("a")]);
        }

        Assert.Equal(["a"], sink.Ids);
    }

    private sealed class PassingThrough(IUsageLedger inner) : DelegatingUsageLedger(inner)
    {
        protected override bool AppendsPassThrough => true;
    }

    private sealed class CollectingSink : IUsageSink
    {
        public ConcurrentQueue<string> Ids { get; } = new();

        public void Emit(UsageRecord record) => Ids.Enqueue(record.Id);
    }
}
