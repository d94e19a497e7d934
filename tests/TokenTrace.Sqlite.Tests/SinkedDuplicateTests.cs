using System.Collections.Concurrent;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// Sinks (exporters) see what an append stored now, not records the ledger already had: a spill replayed after a crash
/// or an import run twice must not reach a webhook or an export file a second time.
/// </summary>
public sealed class SinkedDuplicateTests
{
    private static UsageRecord Call(string id) => new()
    {
        Id = id,
        Timestamp = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero),
        Model = "gpt-4o",
        Tokens = new TokenCounts { Input = 5 },
    };

    public static TheoryData<string> Ledgers => ["sqlite", "jsonl", "csv"];

    [Theory]
    [MemberData(nameof(Ledgers))]
    public async Task A_record_the_ledger_already_had_is_not_passed_on_again_and_a_repeat_in_a_batch_once(string kind)
    {
        using var temp = new TempDirectory();
        IUsageLedger inner = kind switch
        {
            "sqlite" => new SqliteUsageLedger(temp.File("usage.db")),
            "jsonl" => new JsonlUsageLedger(temp.File("usage")),
            _ => new CsvUsageLedger(temp.File("usage.csv")),
        };
        var sink = new CollectingSink();
        await using var ledger = new SinkingUsageLedger(inner, [sink]);

        var first = await ledger.AppendAsync([Call("a"), Call("b")]);

        // b was stored by the first append (a replay); c is new and repeated inside the batch.
        var second = await ledger.AppendAsync([Call("b"), Call("c"), Call("c")]);

        Assert.Equal(new AppendResult(2, 0), first);
        Assert.Equal(new AppendResult(1, 2), second);
        Assert.Equal(["b"], second.DuplicateIds!.Order(StringComparer.Ordinal));
        Assert.Equal(["a", "b", "c"], sink.Ids.Order(StringComparer.Ordinal));

        // A whole batch replayed: nothing passed on.
        var replay = await ledger.AppendAsync([Call("a"), Call("b"), Call("c")]);
        Assert.Equal(new AppendResult(0, 3), replay);
        Assert.Equal(3, sink.Ids.Count);
    }

    private sealed class CollectingSink : IUsageSink
    {
        public ConcurrentQueue<string> Ids { get; } = new();

        public void Emit(UsageRecord record) => Ids.Enqueue(record.Id);
    }
}
