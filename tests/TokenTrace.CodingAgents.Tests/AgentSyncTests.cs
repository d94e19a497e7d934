using Microsoft.Extensions.Time.Testing;
using TokenTrace.CodingAgents;
using TokenTrace.Sqlite;

namespace TokenTrace.CodingAgents.Tests;

public sealed class AgentSyncTests
{
    [Fact]
    public async Task A_second_sync_reads_nothing_and_after_an_append_reads_only_the_new_bytes()
    {
        using var home = new TempDirectory();
        var transcript = Transcript(home, "proj-a", "s1.jsonl");
        File.WriteAllLines(transcript, [Stopped("m1", 100, 10), Stopped("m2", 200, 20)]);
        var (sync, _) = NewSync(home);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var first = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 1, 2L, 2L), (first.Files, first.FilesRead, first.Records, first.Added));

        var again = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 0, 0L, 0L), (again.Files, again.FilesRead, again.BytesRead, again.Added));

        var before = new FileInfo(transcript).Length;
        File.AppendAllLines(transcript, [Stopped("m3", 300, 30)]);
        var appended = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 1L, 1L), (appended.FilesRead, appended.Records, appended.Added));
        Assert.Equal(new FileInfo(transcript).Length - before, appended.BytesRead);

        var stored = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        Assert.Equal([110L, 220L, 330L], stored.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Tokens.Total));
        Assert.All(stored, r => Assert.NotNull(r.CostUsd)); // priced through the pipeline
    }

    [Fact]
    public async Task An_unfinished_last_response_of_a_file_written_moments_ago_waits_for_its_complete_usage()
    {
        using var home = new TempDirectory();
        var transcript = Transcript(home, "proj-a", "s1.jsonl");
        File.WriteAllLines(transcript, [Stopped("m1", 100, 10), Partial("m2", 200, 1)]);
        var (sync, clock) = NewSync(home);
        clock.SetUtcNow(new DateTimeOffset(File.GetLastWriteTimeUtc(transcript), TimeSpan.Zero).AddSeconds(5));
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var first = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1L, 1L), (first.Added, first.Pending));

        File.AppendAllLines(transcript, [Stopped("m2", 200, 480)]);
        clock.SetUtcNow(new DateTimeOffset(File.GetLastWriteTimeUtc(transcript), TimeSpan.Zero).AddSeconds(5));
        var second = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1L, 0L), (second.Added, second.Pending));

        var m2 = await ledger.ReadAsync(UsageQuery.All).SingleAsync(r => r.Id == "claude:m2:r-m2");
        Assert.Equal(200 + 480, m2.Tokens.Total);
    }

    [Fact]
    public async Task An_unfinished_response_in_a_file_left_alone_past_the_settle_time_is_taken_as_it_is()
    {
        using var home = new TempDirectory();
        var transcript = Transcript(home, "proj-a", "s1.jsonl");
        File.WriteAllLines(transcript, [Partial("m1", 100, 3)]);
        var (sync, clock) = NewSync(home);
        clock.SetUtcNow(new DateTimeOffset(File.GetLastWriteTimeUtc(transcript), TimeSpan.Zero) + sync.Settle + TimeSpan.FromSeconds(1));
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var result = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1L, 0L), (result.Added, result.Pending));
    }

    [Fact]
    public async Task A_settled_file_gives_its_last_response_at_once_while_another_file_written_moments_ago_keeps_waiting()
    {
        using var home = new TempDirectory();
        var ended = Transcript(home, "proj-a", "ended.jsonl");
        var busy = Transcript(home, "proj-b", "busy.jsonl");
        File.WriteAllLines(ended, [Stopped("m1", 100, 10), Partial("m2", 200, 20)]);
        File.WriteAllLines(busy, [Partial("m3", 300, 1)]);
        var environment = new AgentEnvironment(home.Path, name => name == "CLAUDE_CONFIG_DIR" ? Path.Combine(home.Path, "claude") : null);
        var clock = new FakeTimeProvider(new DateTimeOffset(File.GetLastWriteTimeUtc(busy), TimeSpan.Zero).AddSeconds(5));
        var sync = new AgentSync([new ClaudeCodeReader()], environment, new UsageRecordPipeline(), home.File("cursors.json"), clock)
        {
            SettledFiles = [Path.Combine(home.Path, "claude", "projects", "proj-a", ".", "ended.jsonl")], // any spelling of the path
        };
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var result = Single(await sync.SyncAsync(ledger));

        Assert.Equal((2L, 1L), (result.Added, result.Pending));
        var stored = await ledger.ReadAsync(UsageQuery.All).Select(r => (r.Id, r.Tokens.Total)).OrderBy(r => r.Id, StringComparer.Ordinal).ToListAsync();
        Assert.Equal([("claude:m1:r-m1", 110L), ("claude:m2:r-m2", 220L)], stored);
    }

    [Fact]
    public async Task A_replaced_file_is_read_from_the_start_and_a_new_ledger_gets_the_whole_history_again()
    {
        using var home = new TempDirectory();
        var transcript = Transcript(home, "proj-a", "s1.jsonl");
        File.WriteAllLines(transcript, [Stopped("m1", 100, 10)]);
        var (sync, _) = NewSync(home);
        await using (var ledger = new SqliteUsageLedger(home.File("usage.db")))
        {
            Assert.Equal(1L, Single(await sync.SyncAsync(ledger)).Added);

            // Replaced by another file that is longer: its first bytes differ, so the cursor's offset means nothing.
            File.WriteAllLines(transcript, [Stopped("m7", 700, 70), Stopped("m8", 800, 80)]);
            var replaced = Single(await sync.SyncAsync(ledger));
            Assert.Equal((2L, 2L), (replaced.Records, replaced.Added));
        }

        File.Delete(home.File("usage.db"));
        await using var fresh = new SqliteUsageLedger(home.File("usage.db"));
        Assert.Equal(2L, Single(await sync.SyncAsync(fresh)).Added);
    }

    [Fact]
    public async Task A_jsonl_ledger_deleted_and_created_again_gets_the_whole_history_again()
    {
        using var home = new TempDirectory();
        File.WriteAllLines(Transcript(home, "proj-a", "s1.jsonl"), [Stopped("m1", 100, 10), Stopped("m2", 200, 20)]);
        var (sync, _) = NewSync(home);
        var folder = home.File("ledger");
        await using (var ledger = new JsonlUsageLedger(folder))
        {
            Assert.Equal(2L, Single(await sync.SyncAsync(ledger)).Added);
            Assert.Equal(0, Single(await sync.SyncAsync(ledger)).FilesRead);
        }

        Directory.Delete(folder, recursive: true);
        await using var fresh = new JsonlUsageLedger(folder);
        Assert.Equal(2L, Single(await sync.SyncAsync(fresh)).Added);
    }

    [Fact]
    public async Task A_record_the_pipeline_refuses_is_a_counted_skip_and_the_next_sync_goes_on()
    {
        using var home = new TempDirectory();
        var transcript = Transcript(home, "proj-a", "s1.jsonl");
        // 10^15 output tokens of Opus: far beyond what one call can cost, refused by the pipeline's bounds.
        File.WriteAllLines(transcript, [Stopped("m1", 100, 10), Line("m2", 1, 1_000_000_000_000_000, "\"end_turn\"").Replace("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", StringComparison.Ordinal)]);
        var (sync, _) = NewSync(home);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var first = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1L, 1L), (first.Added, first.Skipped));
        Assert.Contains("claude:m2:r-m2", Assert.Single(first.Problems).Message, StringComparison.Ordinal);

        File.AppendAllLines(transcript, [Stopped("m3", 300, 30)]);
        Assert.Equal(1L, Single(await sync.SyncAsync(ledger)).Added);
    }

    [Fact]
    public async Task Two_syncs_at_once_store_each_response_once()
    {
        using var home = new TempDirectory();
        for (var file = 0; file < 8; file++)
        {
            File.WriteAllLines(Transcript(home, "proj-" + file, "s.jsonl"), Enumerable.Range(0, 50).Select(i => Stopped($"m{file}-{i}", 10 + i, 1)));
        }

        var (one, _) = NewSync(home);
        var (two, _) = NewSync(home);
        await using var ledgerOne = new SqliteUsageLedger(home.File("usage.db"));
        await using var ledgerTwo = new SqliteUsageLedger(home.File("usage.db"));
        var results = await Task.WhenAll(Task.Run(() => one.SyncAsync(ledgerOne)), Task.Run(() => two.SyncAsync(ledgerTwo)));

        Assert.Equal(400L, results.Sum(r => Single(r).Added));
        Assert.Equal(0L, results.Sum(r => Single(r).Duplicates)); // the second waited for the first, then found nothing new
        Assert.Equal(400, await ledgerOne.ReadAsync(UsageQuery.All).CountAsync());
    }

    [Fact]
    public async Task A_deleted_history_file_loses_its_cursor_and_coming_back_counts_nothing_twice()
    {
        using var home = new TempDirectory();
        var kept = Transcript(home, "proj-a", "s1.jsonl");
        var deleted = Transcript(home, "proj-b", "s2.jsonl");
        File.WriteAllLines(kept, [Stopped("m1", 100, 10)]);
        File.WriteAllLines(deleted, [Stopped("m2", 200, 20), Stopped("m3", 300, 30)]);
        var (sync, _) = NewSync(home);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));
        Assert.Equal(3L, Single(await sync.SyncAsync(ledger)).Added);
        Assert.Contains("s2.jsonl", File.ReadAllText(home.File("cursors.json")), StringComparison.Ordinal);

        var content = File.ReadAllBytes(deleted);
        File.Delete(deleted);
        var afterDelete = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 0, 0L), (afterDelete.Files, afterDelete.FilesRead, afterDelete.Added));
        var cursors = File.ReadAllText(home.File("cursors.json"));
        Assert.DoesNotContain("s2.jsonl", cursors, StringComparison.Ordinal);
        Assert.Contains("s1.jsonl", cursors, StringComparison.Ordinal);
        Assert.Equal(660L, await TotalAsync(ledger)); // 110 + 220 + 330: what the deleted file brought stays in the ledger

        // The same file back (restored from a backup): read from the start, and every record in it is one the ledger has.
        File.WriteAllBytes(deleted, content);
        var back = Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 2L, 0L, 2L), (back.FilesRead, back.Records, back.Added, back.Duplicates));
        Assert.Equal(660L, await TotalAsync(ledger));
        Assert.Contains("s2.jsonl", File.ReadAllText(home.File("cursors.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sync_of_one_agent_keeps_the_cursors_of_the_other_agents_files_that_still_exist()
    {
        using var home = new TempDirectory();
        File.WriteAllLines(Transcript(home, "proj-a", "s1.jsonl"), [Stopped("m1", 100, 10)]);
        var (sync, _) = NewSync(home);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));
        Assert.Equal(1L, Single(await sync.SyncAsync(ledger)).Added);

        Assert.Empty(await sync.SyncAsync(ledger, [UsageSources.Codex])); // no Codex reader here: nothing listed at all
        Assert.Contains("s1.jsonl", File.ReadAllText(home.File("cursors.json")), StringComparison.Ordinal);
        Assert.Equal(0, Single(await sync.SyncAsync(ledger)).FilesRead);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_append_that_fails_midway_stops_the_sync_and_the_next_sync_adds_exactly_what_was_not_stored(bool inOneTransaction)
    {
        using var home = new TempDirectory();
        var expected = WriteManyFiles(home);
        var (sync, _) = NewSync(home);
        sync.CommitRecords = AgentSync.BatchSize; // in one write transaction: committed after each batch, as the test needs
        await using var inner = new SqliteUsageLedger(home.File("usage.db"));

        // The second batch fails (a full disk): the sync must stop, never hang, and keep the cursors of the first batch only.
        var failing = new InterceptedLedger(inner, call => call == 2 ? throw new IOException("disk full") : Task.CompletedTask, inOneTransaction);
        await Assert.ThrowsAsync<IOException>(() => sync.SyncAsync(failing).WaitAsync(TimeSpan.FromMinutes(2)));
        var storedAfterFailure = (await inner.ReadAsync(UsageQuery.All).ToListAsync()).Count;
        Assert.Equal(failing.Appended, storedAfterFailure); // the first batch: whole files, at least BatchSize records
        Assert.True(storedAfterFailure >= AgentSync.BatchSize && storedAfterFailure % 150 == 0, $"{storedAfterFailure} stored");

        var resumed = Single(await sync.SyncAsync(inner));
        Assert.Equal(expected.Records - storedAfterFailure, resumed.Added);
        Assert.Equal(expected.Tokens, await TotalAsync(inner));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_sync_cancelled_midway_stops_and_the_next_sync_adds_exactly_what_was_not_stored(bool inOneTransaction)
    {
        using var home = new TempDirectory();
        var expected = WriteManyFiles(home);
        var (sync, _) = NewSync(home);
        await using var inner = new SqliteUsageLedger(home.File("usage.db"));
        using var cancel = new CancellationTokenSource();
        var cancelling = new InterceptedLedger(inner, call =>
        {
            if (call == 1)
            {
                cancel.Cancel(); // while the next files are being read ahead
            }

            return Task.CompletedTask;
        }, inOneTransaction);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sync.SyncAsync(cancelling, cancellationToken: cancel.Token).WaitAsync(TimeSpan.FromMinutes(2)));
        var stored = (await inner.ReadAsync(UsageQuery.All).ToListAsync()).Count;
        Assert.Equal(cancelling.Appended, stored);
        if (inOneTransaction)
        {
            // Cut off with the first batch in its open transaction: committed, not read again (a status line's sync).
            Assert.True(stored >= AgentSync.BatchSize && stored % 150 == 0, $"{stored} stored");
        }

        var resumed = Single(await sync.SyncAsync(inner));
        Assert.Equal(expected.Records - stored, resumed.Added);
        Assert.Equal(expected.Tokens, await TotalAsync(inner));
    }

    /// <summary>
    /// More files than the sync reads ahead (chunks of 32) and more records than one batch: 200 transcripts of 150
    /// responses, response i of file f having 1,000 + f input and i + 1 output tokens.
    /// </summary>
    private static (long Records, long Tokens) WriteManyFiles(TempDirectory home)
    {
        long tokens = 0;
        for (var f = 0; f < 200; f++)
        {
            var lines = new List<string>();
            for (var i = 0; i < 150; i++)
            {
                lines.Add(Stopped($"m{f}-{i}", 1_000 + f, i + 1));
                tokens += 1_000 + f + i + 1;
            }

            File.WriteAllLines(Transcript(home, $"p{f % 7}", $"s{f:D3}.jsonl"), lines);
        }

        return (200 * 150, tokens);
    }

    /// <summary>
    /// A ledger that runs <paramref name="beforeAppend"/> (given the append's number, from 1) before each append it passes
    /// on: each <see cref="AppendAsync"/>, or with <paramref name="inOneTransaction"/> each append into a write transaction
    /// of the inner ledger's <see cref="IUsageBulkAppender"/> (without, it offers none: a wrapper that sees appends must hide it).
    /// </summary>
    private sealed class InterceptedLedger(IUsageLedger inner, Func<int, Task> beforeAppend, bool inOneTransaction = false) : IUsageLedger, IUsageBulkAppender
    {
        private int _calls;

        /// <summary>Called after each commit of a write transaction.</summary>
        public Action? Committed { get; init; }

        /// <summary>Records the inner ledger took (and, in a write transaction, kept: counted at its commit).</summary>
        public long Appended { get; private set; }

        private Task BeforeAppend() => beforeAppend(Interlocked.Increment(ref _calls));

        public async Task<IUsageAppendTransaction> BeginAppendTransactionAsync(CancellationToken cancellationToken = default) =>
            new Transaction(this, await inner.GetService<IUsageBulkAppender>()!.BeginAppendTransactionAsync(cancellationToken));

        private sealed class Transaction(InterceptedLedger owner, IUsageAppendTransaction open) : IUsageAppendTransaction
        {
            private long _added;

            public AppendResult Append(IReadOnlyList<UsageRecord> records)
            {
                owner.BeforeAppend().GetAwaiter().GetResult();
                var result = open.Append(records);
                _added += result.Added;
                return result;
            }

            public void Commit()
            {
                open.Commit();
                owner.Appended += _added;
                owner.Committed?.Invoke();
            }

            public ValueTask DisposeAsync() => open.DisposeAsync();
        }

        public string Spec => inner.Spec;

        public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
        {
            await beforeAppend(Interlocked.Increment(ref _calls));
            var result = await inner.AppendAsync(records, cancellationToken);
            Appended += result.Added;
            return result;
        }

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) => inner.ReadAsync(query, cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(IUsageBulkAppender) ? (inOneTransaction ? this : null) : inner.GetService(serviceType, serviceKey);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static async Task<long> TotalAsync(IUsageLedger ledger) =>
        (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Sum(r => r.Tokens.Total);

    [Fact]
    public async Task The_writer_commits_before_it_waits_for_a_file_still_being_read_so_the_write_lock_is_not_held_through_it()
    {
        using var home = new TempDirectory();
        var first = Transcript(home, "p", "s0.jsonl");
        var second = Transcript(home, "p", "s1.jsonl");
        File.WriteAllLines(first, [Stopped("a1", 100, 10)]);
        File.WriteAllLines(second, [Stopped("b1", 200, 20)]);
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waitedFor = false;
        var reader = new HookedClaudeReader(before: path => waitedFor |= path == second && committed.Task.Wait(TimeSpan.FromSeconds(10)));
        var environment = new AgentEnvironment(home.Path, name => name == "CLAUDE_CONFIG_DIR" ? Path.Combine(home.Path, "claude") : null);
        // Each file's records appended at once (into the open transaction), and committed as soon as the writer would wait.
        var sync = new AgentSync([reader], environment, new UsageRecordPipeline(), home.File("cursors.json")) { BatchRecords = 1, CommitBeforeWaiting = TimeSpan.Zero };
        await using var inner = new SqliteUsageLedger(home.File("usage.db"));
        var ledger = new InterceptedLedger(inner, _ => Task.CompletedTask, inOneTransaction: true) { Committed = () => committed.TrySetResult() };

        // The second file's read lasts until the first file's record is committed: a writer that kept its transaction
        // open while waiting for that read would let the read time out first.
        var result = Single(await sync.SyncAsync(ledger));

        Assert.True(waitedFor, "the second file was read before the first file's record was committed");
        Assert.Equal(2L, result.Added);
    }

    [Fact]
    public async Task Only_a_full_sync_forgets_the_cursors_of_deleted_files_so_a_status_line_sync_never_looks_at_other_files()
    {
        using var home = new TempDirectory();
        var mine = Transcript(home, "proj-a", "mine.jsonl");
        var gone = Transcript(home, "proj-b", "gone.jsonl");
        File.WriteAllLines(mine, [Stopped("a1", 100, 10)]);
        File.WriteAllLines(gone, [Stopped("b1", 1000, 100)]);
        var (sync, _) = NewSync(home);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));
        await sync.SyncAsync(ledger);
        File.Delete(gone);
        File.AppendAllLines(mine, [Stopped("a2", 200, 20)]);

        // The focused sync stores its file's new response and leaves the other cursors as they are.
        Assert.Equal(1L, (await sync.SyncFilesAsync(ledger, "claude-code", [mine])).Added);
        Assert.Contains("gone.jsonl", File.ReadAllText(home.File("cursors.json")), StringComparison.Ordinal);

        // The full sync lists every file and drops the cursor of the one that is gone.
        Assert.Equal(0L, Single(await sync.SyncAsync(ledger)).Added);
        Assert.DoesNotContain("gone.jsonl", File.ReadAllText(home.File("cursors.json")), StringComparison.Ordinal);
        Assert.Equal(1_430L, await TotalAsync(ledger)); // 110 + 220 + 1,100: nothing lost
    }

    [Fact]
    public async Task A_sync_of_given_files_reads_only_them_and_shares_its_cursors_with_the_full_sync()
    {
        using var home = new TempDirectory();
        var mine = Transcript(home, "proj-a", "mine.jsonl");
        var other = Transcript(home, "proj-b", "other.jsonl");
        File.WriteAllLines(mine, [Stopped("a1", 100, 10), Stopped("a2", 200, 20)]);
        File.WriteAllLines(other, [Stopped("b1", 1000, 100)]);
        var (sync, _) = NewSync(home);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var focused = await sync.SyncFilesAsync(ledger, "claude-code", [mine]);
        Assert.Equal((1, 1, 2L), (focused.Files, focused.FilesRead, focused.Added));
        Assert.Equal(["claude:a1:r-a1", "claude:a2:r-a2"], (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Select(r => r.Id).Order(StringComparer.Ordinal));

        // The full sync finds both files but reads only the one the focused sync had not: the cursor is the same.
        var full = Single(await sync.SyncAsync(ledger));
        Assert.Equal((2, 1, 1L, 0L), (full.Files, full.FilesRead, full.Added, full.Duplicates));

        // And after an append, the focused sync reads just the new line.
        File.AppendAllLines(mine, [Stopped("a3", 300, 30)]);
        var again = await sync.SyncFilesAsync(ledger, "claude-code", [mine]);
        Assert.Equal((1L, 1L, 0L), (again.Records, again.Added, again.Duplicates));
        Assert.Equal(110 + 220 + 330 + 1100, (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Sum(r => r.Tokens.Total));
    }

    [Fact]
    public async Task A_sync_of_given_files_refuses_an_agent_it_has_no_reader_for()
    {
        using var home = new TempDirectory();
        var (sync, _) = NewSync(home);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));
        await Assert.ThrowsAsync<ArgumentException>(() => sync.SyncFilesAsync(ledger, "codex", [home.File("x.jsonl")]));
    }

    private static (AgentSync Sync, FakeTimeProvider Clock) NewSync(TempDirectory home)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var environment = new AgentEnvironment(home.Path, name => name == "CLAUDE_CONFIG_DIR" ? Path.Combine(home.Path, "claude") : null);
        return (new AgentSync([new ClaudeCodeReader()], environment, new UsageRecordPipeline(), home.File("cursors.json"), clock), clock);
    }

    private static string Transcript(TempDirectory home, string project, string name) =>
        Path.Combine(Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", project)).FullName, name);

    private static AgentSourceSync Single(IReadOnlyList<AgentSourceSync> results) => Assert.Single(results);

    private static string Stopped(string message, long input, long output) => Line(message, input, output, "\"end_turn\"");

    private static string Partial(string message, long input, long output) => Line(message, input, output, "null");

    private static string Line(string message, long input, long output, string stop) =>
        $$"""{"timestamp":"2026-03-01T10:00:00.000Z","sessionId":"s1","cwd":"/w","type":"assistant","message":{"id":"{{message}}","model":"claude-sonnet-4-5-20250929","role":"assistant","stop_reason":{{stop}},"usage":{"input_tokens":{{input}},"output_tokens":{{output}}""" + "}}" + $$""","requestId":"r-{{message}}"}""";
}
