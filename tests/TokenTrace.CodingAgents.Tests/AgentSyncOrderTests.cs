using System.Globalization;
using TokenTrace.CodingAgents;

namespace TokenTrace.CodingAgents.Tests;

/// <summary>
/// Files are read on every core, whichever finishes first, yet stored in file order: a sync that reads ahead stores the
/// same records, in the same order, as one that reads one file at a time.
/// </summary>
public sealed class AgentSyncOrderTests
{
    [Fact]
    public async Task Reading_files_in_parallel_stores_the_same_records_in_the_same_order_as_reading_them_one_by_one()
    {
        using var home = new TempDirectory();
        WriteHistory(home);

        var sequential = await SyncIntoJsonlAsync(home, "one-by-one", filesAhead: 1);
        var parallel = await SyncIntoJsonlAsync(home, "parallel", filesAhead: 64);

        // 1 large file of 3,000 responses + the session's 2 + 100 sessions of 1 between the session and its subagent's
        // file + the subagent's own response (its replay of m1 is the same response) = 3,103 records.
        Assert.Equal(3_103, sequential.Records.Count);
        Assert.Equal(sequential.Records, parallel.Records);
        Assert.Equal((3_103L, 3_104L), (parallel.Result.Added, parallel.Result.Records));

        // The parent's m1 (100 in, 10 out) is stored once, as the main conversation's, though its subagent's replay is
        // read 101 files later (after the window of files read ahead has moved on).
        var m1 = Assert.Single(parallel.Records, r => r.Id == "claude:m1:r-m1");
        Assert.Equal(("main", 110L), (m1.Agent, m1.Tokens));
        var own = Assert.Single(parallel.Records, r => r.Id == "claude:sub1:r-sub1");
        Assert.Equal(("subagent", 7L + 3L), (own.Agent, own.Tokens));

        // Stored in file order: the large file's responses first (it sorts first, and is the last read to finish), then
        // the session's, the 100 sessions', the subagent's.
        Assert.Equal("claude:big0:r-big0", parallel.Records[0].Id);
        Assert.Equal(["claude:m1:r-m1", "claude:m2:r-m2", "claude:k000:r-k000"], parallel.Records.Skip(3_000).Take(3).Select(r => r.Id));
        Assert.Equal("claude:sub1:r-sub1", parallel.Records[^1].Id);
    }

    [Fact]
    public async Task A_file_whose_read_finishes_last_is_still_stored_first()
    {
        using var home = new TempDirectory();
        var project = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "p")).FullName;
        for (var i = 0; i < 8; i++)
        {
            File.WriteAllLines(Path.Combine(project, $"s{i}.jsonl"), [Line($"s{i}", $"m{i}", 100 + i, 1, sidechain: false)]);
        }

        // The first file's read waits until the 7 others have been read: they can only be read meanwhile on other threads.
        // A generous timeout: should the files be read one at a time, this fails the test instead of hanging it.
        var first = Path.Combine(project, "s0.jsonl");
        var othersRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var read = 0;
        var othersWereReadFirst = false;
        var reader = new HookedClaudeReader(
            before: path => othersWereReadFirst |= path == first && othersRead.Task.Wait(TimeSpan.FromSeconds(30)),
            after: path =>
            {
                if (path != first && Interlocked.Increment(ref read) == 7)
                {
                    othersRead.TrySetResult();
                }
            });
        var environment = new AgentEnvironment(home.Path, name => name == "CLAUDE_CONFIG_DIR" ? Path.Combine(home.Path, "claude") : null);
        var sync = new AgentSync([reader], environment, new UsageRecordPipeline(), home.File("cursors.json")) { FilesAhead = 8 };
        await using var ledger = new JsonlUsageLedger(home.File("ledger"));

        var result = Assert.Single(await sync.SyncAsync(ledger));

        Assert.True(othersWereReadFirst);
        Assert.Equal(8L, result.Added);
        var stored = await ledger.ReadAsync(UsageQuery.All).Select(r => r.Id).ToListAsync();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"claude:m{i}:r-m{i}"), stored);
    }

    [Fact]
    public async Task A_subagent_replay_appended_in_a_later_batch_than_its_parent_is_stored_once_as_the_parents()
    {
        using var home = new TempDirectory();
        WriteHistory(home);

        var sequential = await SyncIntoJsonlAsync(home, "one-by-one", filesAhead: 1);
        var batchPerFile = await SyncIntoJsonlAsync(home, "batch-per-file", filesAhead: 64, batchRecords: 1);

        // Every file is its own append: the replay of m1 reaches the ledger 101 appends after the parent's copy and is
        // the one duplicate; what is stored, and in what order, is what one large batch stores.
        Assert.Equal(sequential.Records, batchPerFile.Records);
        Assert.Equal((3_103L, 1L), (batchPerFile.Result.Added, batchPerFile.Result.Duplicates));
        Assert.Equal("main", Assert.Single(batchPerFile.Records, r => r.Id == "claude:m1:r-m1").Agent);
    }

    [Fact]
    public async Task A_second_parallel_sync_over_unchanged_files_reads_nothing()
    {
        using var home = new TempDirectory();
        WriteHistory(home);
        var sync = NewSync(home, filesAhead: 64);
        await using var ledger = new TokenTrace.Sqlite.SqliteUsageLedger(home.File("usage.db"));

        var first = Assert.Single(await sync.SyncAsync(ledger));
        var again = Assert.Single(await sync.SyncAsync(ledger));

        Assert.Equal((103, 103), (first.Files, first.FilesRead));
        Assert.Equal((103, 0, 0L), (again.Files, again.FilesRead, again.Added));
    }

    private static void WriteHistory(TempDirectory home)
    {
        var project = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "p")).FullName;

        // Sorts first ("a-…" < "s…") and is by far the largest, so with several cores it finishes after files behind it.
        File.WriteAllLines(Path.Combine(project, "a-big.jsonl"),
            Enumerable.Range(0, 3_000).Select(i => Line("big", $"big{i}", 1_000 + i, 5, sidechain: false, padding: 600)));
        File.WriteAllLines(Path.Combine(project, "s.jsonl"), [Line("s", "m1", 100, 10, sidechain: false), Line("s", "m2", 200, 20, sidechain: false)]);

        // "s.k000.jsonl" … "s.k099.jsonl" sort between "s.jsonl" and "s/subagents/…" ('.' < '/'; "s.k" > "s.j").
        for (var i = 0; i < 100; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"k{i:000}");
            File.WriteAllLines(Path.Combine(project, $"s.{name}.jsonl"), [Line($"s.{name}", name, 10 + i, 1, sidechain: false)]);
        }

        var subagents = Directory.CreateDirectory(Path.Combine(project, "s", "subagents")).FullName;
        File.WriteAllLines(Path.Combine(subagents, "agent-1.jsonl"), [Line("s", "m1", 100, 10, sidechain: true), Line("s", "sub1", 7, 3, sidechain: true)]);
    }

    private static async Task<(List<(string Id, string? Agent, long Tokens, decimal? Cost)> Records, AgentSourceSync Result)> SyncIntoJsonlAsync(
        TempDirectory home, string name, int filesAhead, int batchRecords = AgentSync.BatchSize)
    {
        var sync = NewSync(home, filesAhead, cursors: name + ".cursors");
        sync.BatchRecords = batchRecords;
        await using var ledger = new JsonlUsageLedger(home.File(name));
        var result = Assert.Single(await sync.SyncAsync(ledger));

        // A JSONL ledger keeps its records in the order they were appended.
        var stored = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        return ([.. stored.Select(r => (r.Id, r.Attribution.Agent, r.Tokens.Total, r.CostUsd))], result);
    }

    private static AgentSync NewSync(TempDirectory home, int filesAhead, string cursors = "cursors.json")
    {
        var environment = new AgentEnvironment(home.Path, name => name == "CLAUDE_CONFIG_DIR" ? Path.Combine(home.Path, "claude") : null);
        return new AgentSync([new ClaudeCodeReader()], environment, new UsageRecordPipeline(), home.File(cursors)) { FilesAhead = filesAhead };
    }

    /// <summary>Claude Code's reader, holding the read of one file until a number of other files have been read.</summary>
    private static string Line(string session, string message, long input, long output, bool sidechain, int padding = 0) =>
        $$"""{"timestamp":"2026-03-01T10:00:00.000Z","sessionId":"{{session}}","cwd":"/w","isSidechain":{{(sidechain ? "true" : "false")}},"type":"assistant","message":{"id":"{{message}}","model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{"type":"text","text":"{{new string('x', padding)}}"}],"stop_reason":"end_turn","usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";
}
