using CsCheck;
using Microsoft.Extensions.Time.Testing;
using TokenTrace.CodingAgents;
using TokenTrace.Sqlite;

namespace TokenTrace.CodingAgents.Tests;

public sealed class AmpReaderTests
{
    private const string Thread = "T-7e0c5a12-3b4d-4f6a-9c8e-1d2f3a4b5c6d";
    private const string LegacyThread = "T-1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b";
    private static readonly AmpReader Reader = new();

    [Fact]
    public void Reads_the_fixture_threads_with_cache_outside_input_and_the_legacy_usage_ledger()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("amp", home.File("amp"));
        var root = Assert.Single(Reader.FindRoots(Environment(home.Path, data)));
        Assert.Equal(Path.Combine(data, "threads"), root);

        var reads = Reader.FindFiles(root).Select(Read).ToList();
        Assert.Equal(3, reads.Count);
        var records = reads.SelectMany(r => r.Records).OrderBy(r => r.Timestamp).ToList();
        Assert.Equal(3, records.Count);

        // The legacy thread's one event: input 100, output 50; its message 1 holds cache writes 500 and reads 200.
        Assert.Equal(new TokenCounts { Input = 100, Output = 50, CacheWrite = 500, CacheRead = 200 }, records[0].Tokens);
        // Message 1: input 8, output 312, cache creation 4100, cache read 18000 (totalInputTokens 22108 = 8 + 4100 + 18000).
        Assert.Equal(new TokenCounts { Input = 8, Output = 312, CacheWrite = 4100, CacheRead = 18000 }, records[1].Tokens);
        // Message 4: input 5, output 40, cache read 6000.
        Assert.Equal(new TokenCounts { Input = 5, Output = 40, CacheRead = 6000 }, records[2].Tokens);
        Assert.Equal(850 + 22420 + 6045, records.Sum(r => r.Tokens.Total));

        Assert.Equal(
            [
                ($"amp:{LegacyThread}:evt-5d0f6b1e", "claude-sonnet-4-5-20250929", (string?)null, LegacyThread),
                ($"amp:{Thread}:1", "claude-sonnet-4-5-20250929", "/home/dev/api", Thread),
                ($"amp:{Thread}:4", "claude-haiku-4-5-20251001", "/home/dev/api", Thread),
            ],
            records.Select(r => (r.Id, r.Model, r.Attribution.Project, r.Attribution.Session!)));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 0, 5, 120, TimeSpan.Zero), records[1].Timestamp);
        Assert.All(records, r => Assert.Equal((UsageSources.Amp, (string?)null, "main"), (r.Source, r.Provider, r.Attribution.Agent)));

        // The bad count of message 5 and the truncated thread: counted, each naming its file and field.
        var problems = reads.SelectMany(r => r.Problems).ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.File.EndsWith(Thread + ".json", StringComparison.Ordinal) && p.Field == "messages[5].usage.inputTokens");
        Assert.Contains(problems, p => p.File.EndsWith("T-99999999-dead-4bee-8f00-0123456789ab.json", StringComparison.Ordinal) && p.Message.StartsWith("not valid JSON", StringComparison.Ordinal));
        Assert.Equal(3, reads.Single(r => r.Path.EndsWith(Thread + ".json", StringComparison.Ordinal)).Ignored); // messages 0 and 2 (user turns) and 3 (cancelled, no usage)
    }

    [Fact]
    public void The_data_folders_come_from_AMP_DATA_DIR_then_XDG_DATA_HOME_then_the_home_folder()
    {
        Assert.Equal([Path.Combine("/a", "threads"), Path.Combine("/b", "threads")],
            Reader.FindRoots(new AgentEnvironment("/home/u", name => name == "AMP_DATA_DIR" ? "/a,/b" : null)));
        Assert.Equal([Path.Combine("/xdg", "amp", "threads")],
            Reader.FindRoots(new AgentEnvironment("/home/u", name => name == "XDG_DATA_HOME" ? "/xdg" : null)));
        Assert.Equal([Path.Combine("/home/u", ".local", "share", "amp", "threads")],
            Reader.FindRoots(new AgentEnvironment("/home/u", _ => null)));
    }

    [Fact]
    public async Task A_thread_rewritten_with_one_more_message_adds_only_that_message()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("amp", home.File("amp"));
        var sync = NewSync(home, data, out _);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var first = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((3, 3, 3L, 3L, 2L), (first.Files, first.FilesRead, first.Records, first.Added, first.Skipped));
        Assert.Equal((0, 0L), Tuple(Assert.Single(await sync.SyncAsync(ledger))));

        var file = Path.Combine(data, "threads", Thread + ".json");
        var thread = File.ReadAllText(file);
        var end = thread.LastIndexOf(']');
        File.WriteAllText(file, thread[..end] + ",\n" + Assistant(6, 7, 90, "complete") + "\n  ]\n}\n");

        var next = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 3L, 1L, 2L), (next.FilesRead, next.Records, next.Added, next.Duplicates));
        var stored = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        Assert.Equal(850 + 22420 + 6045 + 97, stored.Sum(r => r.Tokens.Total));
    }

    [Fact]
    public void An_older_thread_continued_by_a_newer_Amp_counts_each_event_and_each_later_message_once()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("amp", home.File("amp"));
        var file = Path.Combine(data, "threads", LegacyThread + ".json");
        var thread = File.ReadAllText(file);
        var messagesEnd = thread.IndexOf("  ],\n  \"usageLedger\"", StringComparison.Ordinal);
        Assert.True(messagesEnd > 0);
        File.WriteAllText(file, thread[..messagesEnd].TrimEnd() + ",\n" + Assistant(2, 30, 12, "complete") + "\n" + thread[messagesEnd..]);

        var read = Read(file);
        // The event (100 + 50 + cache 500 + 200) for message 1, whose own usage is not counted again, and message 2 (30 + 12).
        Assert.Equal([($"amp:{LegacyThread}:evt-5d0f6b1e", 850L), ($"amp:{LegacyThread}:2", 42L)], read.Records.Select(r => (r.Id, r.Tokens.Total)));
        Assert.Equal(0, read.Skipped);
    }

    [Fact]
    public async Task A_running_message_waits_for_its_complete_usage()
    {
        using var home = new TempDirectory();
        var threads = Directory.CreateDirectory(Path.Combine(home.Path, "amp", "threads")).FullName;
        var file = Path.Combine(threads, "T-1.json");
        File.WriteAllText(file, $$"""{"id":"T-1","messages":[{{Assistant(1, 100, 3, "running")}}]}""");
        var sync = NewSync(home, Path.Combine(home.Path, "amp"), out var clock);
        clock.SetUtcNow(new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero).AddSeconds(5));
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var running = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((0L, 1L), (running.Added, running.Pending));

        File.WriteAllText(file, $$"""{"id":"T-1","messages":[{{Assistant(1, 100, 480, "complete")}}]}""");
        var done = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((1L, 0L), (done.Added, done.Pending));
        Assert.Equal(580, (await ledger.ReadAsync(UsageQuery.All).SingleAsync()).Tokens.Total);
    }

    [Fact]
    public void Any_thread_of_valid_messages_reads_to_the_sum_of_their_counts()
    {
        using var home = new TempDirectory();
        var message = Gen.Select(Gen.Long[0, 100_000], Gen.Long[0, 20_000], Gen.Long[0, 50_000], Gen.Long[0, 500_000]);
        message.Array[0, 12].Sample(messages =>
        {
            var file = home.File(Guid.NewGuid().ToString("N") + ".json"); // samples run on several threads at once
            var body = string.Join(",", messages.Select((m, i) =>
                $$$"""{"role":"user","messageId":{{{2 * i}}},"content":[]},{"role":"assistant","messageId":{{{(2 * i) + 1}}},"usage":{"model":"claude-sonnet-4-5-20250929","inputTokens":{{{m.Item1}}},"outputTokens":{{{m.Item2}}},"cacheCreationInputTokens":{{{m.Item3}}},"cacheReadInputTokens":{{{m.Item4}}},"timestamp":"2026-11-20T10:00:00Z"}}"""));
            File.WriteAllText(file, $$"""{"id":"T-p","messages":[{{body}}]}""");
            var read = Read(file);
            var withUsage = messages.Count(m => m.Item1 + m.Item2 + m.Item3 + m.Item4 > 0);
            return read.Skipped == 0 && read.Records.Count == withUsage
                && read.Records.Sum(r => r.Tokens.Input) == messages.Sum(m => m.Item1)
                && read.Records.Sum(r => r.Tokens.Output) == messages.Sum(m => m.Item2)
                && read.Records.Sum(r => r.Tokens.CacheWrite) == messages.Sum(m => m.Item3)
                && read.Records.Sum(r => r.Tokens.CacheRead) == messages.Sum(m => m.Item4);
        });
    }

    [Fact]
    public void A_truncated_thread_is_one_counted_skip_never_an_exception()
    {
        using var home = new TempDirectory();
        var whole = $$"""{"id":"T-t","messages":[{{Assistant(1, 10, 5, "complete")}},{{Assistant(2, 20, 6, "complete")}}]}""";
        Gen.Int[0, whole.Length - 1].Sample(cut =>
        {
            var file = home.File(Guid.NewGuid().ToString("N") + ".json"); // samples run on several threads at once
            File.WriteAllText(file, whole[..cut]);
            var read = Read(file);
            return read.Records.Count == 0 && read.Skipped == 1;
        });
    }

    [Fact]
    public void A_total_alone_a_missing_model_or_timestamp_is_skipped_naming_the_field()
    {
        using var home = new TempDirectory();
        var file = home.File("T-x.json");
        (string Usage, string Field)[] cases =
        [
            ("""{"model":"claude-sonnet-4-5-20250929","totalTokens":345,"timestamp":"2026-11-20T10:00:00Z"}""", "messages[0].usage.totalTokens"),
            ("""{"inputTokens":3,"outputTokens":4,"timestamp":"2026-11-20T10:00:00Z"}""", "messages[0].usage.model"),
            ("""{"model":"claude-sonnet-4-5-20250929","inputTokens":3,"outputTokens":4,"timestamp":"20 Nov"}""", "messages[0].usage.timestamp"),
        ];
        foreach (var (usage, field) in cases)
        {
            File.WriteAllText(file, $$"""{"id":"T-x","messages":[{"role":"assistant","messageId":0,"usage":{{usage}}}]}""");
            var read = Read(file);
            Assert.Empty(read.Records);
            Assert.Equal(field, Assert.Single(read.Problems).Field);
        }
    }

    private static (int, long) Tuple(AgentSourceSync result) => (result.FilesRead, result.Added);

    private static AgentFileRead Read(string path)
    {
        var read = new AgentFileRead(path);
        Reader.Read(read);
        return read;
    }

    private static AgentEnvironment Environment(string home, string data) => new(home, name => name == "AMP_DATA_DIR" ? data : null);

    private static AgentSync NewSync(TempDirectory home, string data, out FakeTimeProvider clock)
    {
        clock = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new AgentSync([new AmpReader()], Environment(home.Path, data), new UsageRecordPipeline(), home.File("cursors.json"), clock);
    }

    private static string Assistant(int messageId, long input, long output, string state) =>
        $$$"""{"role":"assistant","messageId":{{{messageId}}},"content":[],"state":{"type":"{{{state}}}"},"usage":{"model":"claude-sonnet-4-5-20250929","inputTokens":{{{input}}},"outputTokens":{{{output}}},"cacheCreationInputTokens":0,"cacheReadInputTokens":0,"timestamp":"2026-11-21T08:00:00Z"}}""";
}
