using TokenTrace.Client;

namespace TokenTrace.Server.Tests;

/// <summary><c>GET /v1/records</c> pages by instant then id, whatever order the server's ledger reads in.</summary>
public sealed class RecordPagingTests
{
    [Fact]
    public async Task Records_appended_out_of_order_to_a_jsonl_ledger_are_all_read_through_small_pages()
    {
        await using var server = await ServerHarness.StartAsync(ledgerSpec: folder => "jsonl:" + folder.File("team-jsonl"));
        // One day file, in append order: minutes 10..14 first, then minutes 0..4 (a late device's records).
        await server.Ledger.AppendAsync([.. Enumerable.Range(10, 5).Select(n => TestRecords.Make("late-" + n, n))]);
        await server.Ledger.AppendAsync([.. Enumerable.Range(0, 5).Select(n => TestRecords.Make("early-" + n, n))]);
        await using var remote = new RemoteUsageLedger(new RemoteLedgerOptions { Server = server.Address, Token = ServerHarness.ReadSecret, ReadPageSize = 3 });

        var read = new List<string>();
        await foreach (var record in remote.ReadAsync(UsageQuery.All))
        {
            read.Add(record.Id);
        }

        // All 10, by minute: a cursor that trusted the file's order would stop after late-12 and skip the five early ones.
        Assert.Equal(["early-0", "early-1", "early-2", "early-3", "early-4", "late-10", "late-11", "late-12", "late-13", "late-14"], read);
    }
}
