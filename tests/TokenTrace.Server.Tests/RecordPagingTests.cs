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

    [Fact]
    public async Task Paging_through_a_large_ledger_reads_each_record_a_few_times_not_once_per_page()
    {
        var reads = await PageThroughFiveThousandRecordsAsync(ledgerSpec: null);

        // 5,000 records, one a minute for about three and a half days, read through pages of 250. The first page has no
        // cursor and reads the whole range once (5,000). Every later page reads from its cursor in slices sized to the
        // page: about 250 records and a fifth more, so the 19 later pages read roughly 19 × 300 = 5,700 (11,300 read in
        // all when this was written). Reading from each cursor to the end, as before, read
        // 5,000 + 4,750 + 4,500 + … + 250 = 52,500 (52,520 measured: the cursor's own record again on every page).
        Assert.InRange(reads.Records, 5_000, 15_000);
    }

    [Theory]
    [InlineData("csv", 22)]
    [InlineData("jsonl", 44)]
    public async Task A_file_ledger_is_read_about_once_per_page_not_once_per_slice(string scheme, int mostReads)
    {
        var reads = await PageThroughFiveThousandRecordsAsync(folder => scheme + ":" + folder.File(scheme == "csv" ? "team.csv" : "team-jsonl"));

        // 21 pages (the last one empty). A CSV ledger is one file whatever the range: one read per page, 21 (minute
        // slices read it 64 times). A JSONL ledger's slices are whole UTC days (the records span 20 November 10:00 to
        // 24 November 01:19), so a page reads its day file and at most the next: at most 2 × 21 reads plus the first.
        Assert.InRange(reads.Calls, 1, mostReads);
    }

    /// <summary>Appends 5,000 records (one a minute) to a server's ledger and reads them all back in pages of 250, in order.</summary>
    private static async Task<ReadCounter> PageThroughFiveThousandRecordsAsync(Func<TempDirectory, string>? ledgerSpec)
    {
        var reads = new ReadCounter();
        await using var server = await ServerHarness.StartAsync(ledgerSpec: ledgerSpec, serveThrough: ledger => new CountingLedger(ledger, reads));
        var records = TestRecords.Many("rec", 5_000);
        await server.Ledger.AppendAsync(records);
        await using var remote = new RemoteUsageLedger(new RemoteLedgerOptions { Server = server.Address, Token = ServerHarness.ReadSecret, ReadPageSize = 250 });

        var read = new List<string>();
        await foreach (var record in remote.ReadAsync(UsageQuery.All))
        {
            read.Add(record.Id);
        }

        Assert.Equal(records.Select(r => r.Id), read);
        return reads;
    }

    private sealed class ReadCounter
    {
        private long _records;

        private long _calls;

        public long Records => Interlocked.Read(ref _records);

        public long Calls => Interlocked.Read(ref _calls);

        public void Add() => Interlocked.Increment(ref _records);

        public void Call() => Interlocked.Increment(ref _calls);
    }

    private sealed class CountingLedger(IUsageLedger inner, ReadCounter reads) : DelegatingUsageLedger(inner)
    {
        public override async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            reads.Call();
            await foreach (var record in base.ReadAsync(query, cancellationToken).ConfigureAwait(false))
            {
                reads.Add();
                yield return record;
            }
        }
    }
}
