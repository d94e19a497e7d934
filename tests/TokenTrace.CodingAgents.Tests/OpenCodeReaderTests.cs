using CsCheck;
using Microsoft.Extensions.Time.Testing;
using TokenTrace.CodingAgents;
using TokenTrace.Sqlite;

namespace TokenTrace.CodingAgents.Tests;

public sealed class OpenCodeReaderTests
{
    private const string SessionA = "ses_4f1a2b3c4d5eAbCdEfGhIj";
    private const string SessionB = "ses_4f0e9d8c7b6aZyXwVuTsRq";
    private static readonly OpenCodeReader Reader = new();

    [Fact]
    public void Reads_the_fixture_with_disjoint_input_and_reasoning_told_apart_by_the_total()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("opencode", home.File("opencode"));
        var root = Assert.Single(Reader.FindRoots(Environment(home.Path, data)));
        Assert.Equal(data, root);

        var reads = Reader.FindFiles(root).Select(Read).ToList();
        Assert.Equal(6, reads.Count); // the session file beside storage/message is not a message

        var records = reads.SelectMany(r => r.Records).OrderBy(r => r.Timestamp).ToList();
        Assert.Equal(3, records.Count);
        Assert.Equal(2, reads.Sum(r => r.Ignored)); // the user message, and the assistant message that failed with zero tokens
        var problem = Assert.Single(reads.SelectMany(r => r.Problems)); // the truncated file
        Assert.EndsWith("msg_c7d8e9f0a103KkLlMmNnOoPp.json", problem.File, StringComparison.Ordinal);
        Assert.StartsWith("not valid JSON", problem.Message, StringComparison.Ordinal);

        // input 12, output 480, reasoning 0, cache read 15000, write 2200 (total 17692).
        Assert.Equal(new TokenCounts { Input = 12, CacheRead = 15000, CacheWrite = 2200, Output = 480 }, records[0].Tokens);
        // input 3000, output 700, reasoning 300, cache read 9000, total 13000 = 3000 + 9000 + 700 + 300: reasoning is outside
        // output (current OpenCode), so output is 1000.
        Assert.Equal(new TokenCounts { Input = 3000, CacheRead = 9000, Output = 1000, Reasoning = 300 }, records[1].Tokens);
        // input 2000, output 900, reasoning 400, no total (older OpenCode): reasoning is inside output.
        Assert.Equal(new TokenCounts { Input = 2000, Output = 900, Reasoning = 400 }, records[2].Tokens);
        Assert.Equal(17692 + 13000 + 2900, records.Sum(r => r.Tokens.Total));

        Assert.Equal(
            [
                ("opencode:msg_b0c1d2e3f002GgHhIiJjKkLl", "anthropic", "claude-sonnet-4-5", "/home/dev/shop", SessionA, "build"),
                ("opencode:msg_b0c1d2e3f003MmNnOoPpQqRr", "openai", "gpt-5", "/home/dev/shop", SessionA, "build"),
                ("opencode:msg_c7d8e9f0a101SsTtUuVvWwXx", "openai", "gpt-5", "/tmp/scratch", SessionB, "plan"),
            ],
            records.Select(r => (r.Id, r.Provider!, r.Model, r.Attribution.Project!, r.Attribution.Session!, r.Attribution.Agent!)));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero), records[0].Timestamp);
        Assert.All(records, r => Assert.Equal(UsageSources.OpenCode, r.Source));
        Assert.All(reads, r => Assert.Null(r.PendingTail));
    }

    [Fact]
    public void The_data_folders_come_from_OPENCODE_DATA_DIR_then_XDG_DATA_HOME_then_the_home_folder()
    {
        Assert.Equal(["/a", "/b"], Reader.FindRoots(new AgentEnvironment("/home/u", name => name == "OPENCODE_DATA_DIR" ? "/a, /b" : null)));
        Assert.Equal([Path.Combine("/xdg", "opencode")], Reader.FindRoots(new AgentEnvironment("/home/u", name => name == "XDG_DATA_HOME" ? "/xdg" : null)));
        Assert.Equal(
            [Path.Combine("/home/u", ".local", "share", "opencode")],
            Reader.FindRoots(new AgentEnvironment("/home/u", name => name == "XDG_DATA_HOME" ? "relative/data" : null)));
    }

    [Fact]
    public async Task A_second_sync_adds_nothing_and_a_new_message_or_a_rewritten_one_adds_only_what_is_new()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("opencode", home.File("opencode"));
        var sync = NewSync(home, data, out _);
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var first = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((6, 6, 3L, 3L, 1L), (first.Files, first.FilesRead, first.Records, first.Added, first.Skipped));

        var again = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((0, 0L), (again.FilesRead, again.Added));

        // OpenCode rewrites a finished message (a title, a summary) with the same usage, and writes the next one.
        var finished = Path.Combine(data, "storage", "message", SessionA, "msg_b0c1d2e3f003MmNnOoPpQqRr.json");
        File.WriteAllText(finished, File.ReadAllText(finished).Replace("\"finish\": \"stop\"", "\"finish\": \"stop\",\n  \"summary\": true", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(data, "storage", "message", SessionA, "msg_b0c1d2e3f004SsTtUuVvWwXx.json"), Message("msg_b0c1d2e3f004SsTtUuVvWwXx", 40, 25, completed: true));

        var next = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((2, 2L, 1L, 1L), (next.FilesRead, next.Records, next.Added, next.Duplicates));

        var stored = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        Assert.Equal(17692 + 13000 + 2900 + 65, stored.Sum(r => r.Tokens.Total));
    }

    [Fact]
    public async Task A_message_still_streaming_waits_for_its_complete_usage()
    {
        using var home = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "opencode", "storage", "message", "ses_1")).FullName;
        var file = Path.Combine(folder, "msg_1.json");
        File.WriteAllText(file, Message("msg_1", 100, 3, completed: false));
        var sync = NewSync(home, Path.Combine(home.Path, "opencode"), out var clock);
        clock.SetUtcNow(new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero).AddSeconds(5));
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var streaming = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((0L, 1L), (streaming.Added, streaming.Pending));

        File.WriteAllText(file, Message("msg_1", 100, 480, completed: true));
        var done = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((1L, 0L), (done.Added, done.Pending));
        Assert.Equal(580, (await ledger.ReadAsync(UsageQuery.All).SingleAsync()).Tokens.Total);
    }

    [Fact]
    public void Any_valid_message_reads_to_its_own_counts()
    {
        using var home = new TempDirectory();
        Gen.Select(Gen.Long[0, 2_000_000], Gen.Long[0, 200_000], Gen.Long[0, 50_000], Gen.Long[0, 2_000_000], Gen.Long[0, 500_000], Gen.Bool)
            .Sample((input, output, reasoning, cacheRead, cacheWrite, current) =>
            {
                // Current OpenCode: output without reasoning, and a total that counts it once. Older: reasoning inside output, no total.
                var file = home.File(Guid.NewGuid().ToString("N") + ".json"); // samples run on several threads at once
                var storedOutput = current ? output : output + reasoning;
                var total = current ? $"\"total\":{input + cacheRead + cacheWrite + output + reasoning}," : "";
                var tokens = $"\"input\":{input},\"output\":{storedOutput},\"reasoning\":{reasoning},\"cache\":{{\"read\":{cacheRead},\"write\":{cacheWrite}}}";
                File.WriteAllText(file, """{"id":"msg_p","sessionID":"ses_p","role":"assistant","time":{"created":1795165200000,"completed":1795165201000},"modelID":"m","providerID":"p","tokens":{"""
                    + total + tokens + "}}");
                var read = Read(file);
                var expected = input + cacheRead + cacheWrite + output + reasoning;
                if (expected == 0)
                {
                    return read.Records.Count == 0 && read.Ignored == 1;
                }

                var counts = Assert.Single(read.Records).Tokens;
                return read.Skipped == 0 && counts.Total == expected && counts.Output == output + reasoning && counts.Reasoning == reasoning
                    && (counts.Input, counts.CacheRead, counts.CacheWrite) == (input, cacheRead, cacheWrite);
            });
    }

    [Fact]
    public void A_truncated_or_garbled_message_is_a_counted_skip_never_an_exception()
    {
        using var home = new TempDirectory();
        var whole = Message("msg_t", 1234, 56, completed: true);
        Gen.Select(Gen.Int[0, whole.Length - 1], Gen.Int[0, whole.Length - 1], Gen.Char)
            .Sample((cut, position, garbage) =>
            {
                var file = home.File(Guid.NewGuid().ToString("N") + ".json"); // samples run on several threads at once
                File.WriteAllText(file, whole[..cut]);
                var truncated = Read(file);
                var garbled = whole.ToCharArray();
                garbled[position] = garbage;
                File.WriteAllText(file, new string(garbled));
                var changed = Read(file);
                // A changed character may still leave valid JSON (another digit): then a record, else one counted skip or pass.
                return truncated.Records.Count == 0 && truncated.Skipped == 1
                    && changed.Records.Count + changed.Skipped + changed.Ignored == 1;
            });
    }

    [Fact]
    public void A_bad_count_or_a_missing_model_or_time_is_skipped_naming_the_field()
    {
        using var home = new TempDirectory();
        var file = home.File("msg.json");
        (string Json, string Field)[] cases =
        [
            (Message("msg_a", 10, 5, completed: true).Replace("\"input\": 10", "\"input\": -10", StringComparison.Ordinal), "tokens.input"),
            (Message("msg_b", 10, 5, completed: true).Replace("\"read\": 0", "\"read\": 1.5", StringComparison.Ordinal), "tokens.cache.read"),
            (Message("msg_c", 10, 5, completed: true).Replace("\"modelID\": \"claude-sonnet-4-5\",", "", StringComparison.Ordinal), "modelID"),
            (Message("msg_d", 10, 5, completed: true).Replace("\"created\": 1795165200000", "\"created\": \"yesterday\"", StringComparison.Ordinal), "time.created"),
        ];
        foreach (var (json, field) in cases)
        {
            File.WriteAllText(file, json);
            var read = Read(file);
            Assert.Empty(read.Records);
            Assert.Equal(field, Assert.Single(read.Problems).Field);
        }
    }

    private static AgentFileRead Read(string path)
    {
        var read = new AgentFileRead(path);
        Reader.Read(read);
        return read;
    }

    private static AgentEnvironment Environment(string home, string data) =>
        new(home, name => name == "OPENCODE_DATA_DIR" ? data : null);

    private static AgentSync NewSync(TempDirectory home, string data, out FakeTimeProvider clock)
    {
        clock = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new AgentSync([new OpenCodeReader()], Environment(home.Path, data), new UsageRecordPipeline(), home.File("cursors.json"), clock);
    }

    private static string Message(string id, long input, long output, bool completed) => $$"""
        {
          "id": "{{id}}",
          "sessionID": "ses_4f1a2b3c4d5eAbCdEfGhIj",
          "role": "assistant",
          "time": {
            "created": 1795165200000{{(completed ? ",\n    \"completed\": 1795165260000" : "")}}
          },
          "modelID": "claude-sonnet-4-5",
          "providerID": "anthropic",
          "agent": "build",
          "path": { "cwd": "/home/dev/shop", "root": "/home/dev/shop" },
          "tokens": {
            "input": {{input}},
            "output": {{output}},
            "reasoning": 0,
            "cache": { "read": 0, "write": 0 }
          }
        }
        """;
}
