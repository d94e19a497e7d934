using CsCheck;
using Microsoft.Extensions.Time.Testing;
using TokenTrace.CodingAgents;
using TokenTrace.Sqlite;

namespace TokenTrace.CodingAgents.Tests;

public sealed class QwenCodeReaderTests
{
    private const string Session = "6f2e9a40-1c3b-4d5e-8f70-a1b2c3d4e5f6";
    private static readonly QwenCodeReader Reader = new();

    [Fact]
    public void Reads_the_fixture_with_cached_inside_the_prompt_and_thoughts_placed_by_the_total()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("qwen", home.File("qwen"));
        var root = Assert.Single(Reader.FindRoots(new AgentEnvironment(home.Path, name => name == "QWEN_DATA_DIR" ? data : null)));
        var file = Assert.Single(Reader.FindFiles(root));
        var read = new AgentFileRead(file);
        Reader.Read(read);

        Assert.Equal(3, read.Records.Count);
        // prompt 12000 with 8000 cached, candidates 350.
        Assert.Equal(new TokenCounts { Input = 4000, CacheRead = 8000, Output = 350 }, read.Records[0].Tokens);
        // prompt 13000 (12000 cached), candidates 900, thoughts 600, total 13900 = 13000 + 900: the thoughts are inside.
        Assert.Equal(new TokenCounts { Input = 1000, CacheRead = 12000, Output = 900, Reasoning = 600 }, read.Records[1].Tokens);
        // prompt 5000, candidates 200, thoughts 300, total 5500 = 5000 + 200 + 300: Gemini's convention, outside.
        Assert.Equal(new TokenCounts { Input = 5000, Output = 500, Reasoning = 300 }, read.Records[2].Tokens);
        Assert.Equal(12350 + 13900 + 5500, read.Records.Sum(r => r.Tokens.Total));

        Assert.Equal(["qwen:0b1c2d3e-0002-4a00-8000-000000000002", "qwen:0b1c2d3e-0004-4a00-8000-000000000004", "qwen:0b1c2d3e-0005-4a00-8000-000000000005"], read.Records.Select(r => r.Id));
        Assert.All(read.Records, r => Assert.Equal(("/home/dev/cli", Session, UsageSources.QwenCode, (string?)null), (r.Attribution.Project!, r.Attribution.Session!, r.Source, r.Provider)));
        Assert.Equal(["qwen3-coder-plus", "qwen3-coder-plus", "gemini-2.5-flash"], read.Records.Select(r => r.Model));

        Assert.Equal((8L, 3L, 2L), (read.Lines, read.Ignored, read.Skipped)); // user turn, tool result, telemetry; two bad lines
        Assert.Equal([(6L, (string?)null), (7L, "usageMetadata.candidatesTokenCount")], read.Problems.Select(p => (p.Line, p.Field)));
    }

    [Fact]
    public async Task A_second_sync_reads_nothing_and_an_appended_response_is_all_the_next_one_adds()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("qwen", home.File("qwen"));
        var sync = new AgentSync([Reader], new AgentEnvironment(home.Path, name => name == "QWEN_DATA_DIR" ? data : null), new UsageRecordPipeline(),
            home.File("cursors.json"), new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var first = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 3L, 2L), (first.Files, first.Added, first.Skipped));
        Assert.Equal(0, Assert.Single(await sync.SyncAsync(ledger)).FilesRead);

        var file = Path.Combine(data, "projects", "-home-dev-cli", "chats", Session + ".jsonl");
        var before = new FileInfo(file).Length;
        File.AppendAllText(file, Line("0b1c2d3e-0009-4a00-8000-000000000009", 700, 0, 40, 0) + "\n");
        var next = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((1L, 0L, new FileInfo(file).Length - before), (next.Added, next.Skipped, next.BytesRead));
        Assert.Equal(12350 + 13900 + 5500 + 740, (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Sum(r => r.Tokens.Total));
    }

    [Fact]
    public void Any_log_of_valid_responses_reads_to_the_sum_of_their_counts_and_a_cut_never_throws()
    {
        using var home = new TempDirectory();
        var response = Gen.Select(Gen.Long[0, 100_000], Gen.Long[0, 100_000], Gen.Long[0, 20_000], Gen.Long[0, 5_000]);
        Gen.Select(response.Array[1, 10], Gen.Int[0, 100]).Sample((responses, cutPercent) =>
        {
            var file = home.File(Guid.NewGuid().ToString("N") + ".jsonl"); // samples run on several threads at once
            // Gemini's convention: cached inside the prompt, thoughts outside the candidates, the total counting all.
            var lines = responses.Select((r, i) => Line($"u{i}", r.Item1 + r.Item2, r.Item2, r.Item3, r.Item4)).ToList();
            File.WriteAllText(file, string.Concat(lines.Select(l => l + "\n")));
            var read = new AgentFileRead(file);
            Reader.Read(read);
            var expected = responses.Where(r => r.Item1 + r.Item2 + r.Item3 + r.Item4 > 0).ToList();
            var whole = read.Skipped == 0 && read.Records.Count == expected.Count
                && read.Records.Sum(r => r.Tokens.Input) == expected.Sum(r => r.Item1)
                && read.Records.Sum(r => r.Tokens.CacheRead) == expected.Sum(r => r.Item2)
                && read.Records.Sum(r => r.Tokens.Output) == expected.Sum(r => r.Item3 + r.Item4)
                && read.Records.Sum(r => r.Tokens.Reasoning) == expected.Sum(r => r.Item4);

            // The same bytes cut anywhere: an unfinished last line is left for the next read, never an exception.
            var text = File.ReadAllText(file);
            File.WriteAllText(file, text[..(text.Length * cutPercent / 100)]);
            var cut = new AgentFileRead(file);
            Reader.Read(cut);
            return whole && cut.Skipped == 0 && cut.Records.Count <= read.Records.Count;
        });
    }

    private static string Line(string uuid, long prompt, long cached, long candidates, long thoughts) =>
        $$$"""{"uuid":"{{{uuid}}}","sessionId":"{{{Session}}}","timestamp":"2026-11-22T09:00:00.000Z","type":"assistant","cwd":"/home/dev/cli","model":"qwen3-coder-plus","usageMetadata":{"promptTokenCount":{{{prompt}}},"cachedContentTokenCount":{{{cached}}},"candidatesTokenCount":{{{candidates}}},"thoughtsTokenCount":{{{thoughts}}},"totalTokenCount":{{{prompt + candidates + thoughts}}}""" + "}}";
}
