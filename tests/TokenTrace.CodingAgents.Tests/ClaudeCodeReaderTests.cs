using System.Text;
using CsCheck;
using TokenTrace.CodingAgents;

namespace TokenTrace.CodingAgents.Tests;

public sealed class ClaudeCodeReaderTests
{
    private static readonly ClaudeCodeReader Reader = new();

    [Fact]
    public void Reads_the_shared_sample_into_one_record_per_response_with_anthropic_buckets()
    {
        var path = SharedData.Find("claude-code/session-alpha.jsonl");
        Assert.True(path is not null, "../shared/data/claude-code/session-alpha.jsonl is missing");

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal(0, read.Skipped);
        Assert.Equal(["claude:msg-alpha-1:req-alpha-1", "claude:msg-alpha-2:req-alpha-2", "claude:msg-alpha-3:req-alpha-3"], read.Records.Select(r => r.Id));
        var first = read.Records[0];
        // The sample's first line: input 100, output 50, cache_creation 25, cache_read 10 (Anthropic: input excludes both).
        Assert.Equal(new TokenCounts { Input = 100, Output = 50, CacheWrite = 25, CacheRead = 10 }, first.Tokens);
        Assert.Equal("claude-sonnet-4-20250514", first.Model);
        Assert.Equal("anthropic", first.Provider);
        Assert.Equal(new DateTimeOffset(2026, 1, 9, 10, 0, 0, TimeSpan.Zero), first.Timestamp);
        Assert.Equal("session-alpha", first.Attribution.Session);
        Assert.Equal(ClaudeCodeReader.MainAgent, first.Attribution.Agent);
        Assert.Equal("claude-code", first.Attribution.Project); // no cwd in the sample: the folder it is in
        Assert.Equal(UsageSources.ClaudeCode, first.Source);
        Assert.Equal(new TokenCounts { Input = 300, Output = 125, CacheRead = 40 }, read.Records[2].Tokens);
        Assert.Equal(new FileInfo(path).Length, read.EndOffset);
    }

    [Fact]
    public void A_response_written_as_several_lines_counts_once_with_its_largest_usage_and_splits_one_hour_cache_writes()
    {
        using var folder = new TempDirectory();
        var path = folder.File("s.jsonl");
        File.WriteAllLines(path,
        [
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":1,"cache_read_input_tokens":0,"cache_creation_input_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":400}}""", cwd: "/home/dev/app"),
            """{"type":"user","sessionId":"s1","message":{"role":"user","content":"what does \"usage\" mean?"}}""",
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":240,"cache_read_input_tokens":0,"cache_creation_input_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":400}}""", cwd: "/home/dev/app"),
            Line("m2", "r2", """{"input_tokens":0,"output_tokens":0}""", model: "<synthetic>"),
        ]);

        var read = new AgentFileRead(path);
        Reader.Read(read);

        var record = Assert.Single(read.Records);
        Assert.Equal(new TokenCounts { Input = 10, Output = 240, CacheWrite = 100, CacheWrite1h = 400 }, record.Tokens);
        Assert.Equal("/home/dev/app", record.Attribution.Project);
        Assert.Equal(4, read.Lines);
        Assert.Equal(2, read.Ignored); // the user turn (its text mentions "usage" only escaped) and the synthetic message
        Assert.Equal(0, read.Skipped);
    }

    [Fact]
    public void The_largest_line_of_a_response_is_kept_with_its_own_time_whichever_comes_first_and_a_main_line_wins_a_tie_with_a_replay()
    {
        using var folder = new TempDirectory();
        var path = folder.File("s.jsonl");
        File.WriteAllLines(path,
        [
            // m1: partial (11 tokens), complete (10 + 240 = 250), then a smaller copy and an equal copy written later.
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":1}""", timestamp: "2026-03-01T10:00:00.000Z"),
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":240}""", timestamp: "2026-03-01T10:00:05.000Z"),
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":3}""", timestamp: "2026-03-01T10:00:06.000Z"),
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":240}""", timestamp: "2026-03-01T10:00:07.000Z"),
            // m2: the same usage from a subagent's replay first, then the main conversation's line (kept on the tie).
            Line("m2", "r2", """{"input_tokens":4,"output_tokens":6}""", sidechain: true, timestamp: "2026-03-01T10:01:00.000Z"),
            Line("m2", "r2", """{"input_tokens":4,"output_tokens":6}""", timestamp: "2026-03-01T10:01:01.000Z"),
            // m3: more input but the same total as the line before it (7 + 3 = 10 = 9 + 1): more output wins the tie.
            Line("m3", "r3", """{"input_tokens":9,"output_tokens":1}""", timestamp: "2026-03-01T10:02:00.000Z"),
            Line("m3", "r3", """{"input_tokens":7,"output_tokens":3}""", timestamp: "2026-03-01T10:02:01.000Z"),
            Line("m3", "r3", """{"input_tokens":8,"output_tokens":2}""", timestamp: "2026-03-01T10:02:02.000Z"),
        ]);

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal(
            [
                ("claude:m1:r1", 250L, "10:00:05", ClaudeCodeReader.MainAgent),
                ("claude:m2:r2", 10L, "10:01:01", ClaudeCodeReader.MainAgent),
                ("claude:m3:r3", 10L, "10:02:01", ClaudeCodeReader.MainAgent),
            ],
            read.Records.Select(r => (r.Id, r.Tokens.Total, r.Timestamp.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), r.Attribution.Agent)));
        Assert.Equal(3, read.Records[2].Tokens.Output);
        Assert.Equal(9, read.Lines);
        Assert.Equal(0, read.Skipped);
    }

    [Fact]
    public void A_subagents_replay_of_a_parent_message_does_not_replace_the_main_copy_and_its_own_messages_are_marked()
    {
        using var folder = new TempDirectory();
        var path = folder.File("s.jsonl");
        File.WriteAllLines(path,
        [
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":20}"""),
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":20}""", sidechain: true),
            Line("m2", "r2", """{"input_tokens":5,"output_tokens":7}""", sidechain: true),
        ]);

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal([ClaudeCodeReader.MainAgent, ClaudeCodeReader.Subagent], read.Records.Select(r => r.Attribution.Agent));
        Assert.Equal(30 + 12, read.Records.Sum(r => r.Tokens.Total));
    }

    [Fact]
    public void Bad_lines_are_counted_with_their_line_and_field_and_the_rest_is_read()
    {
        using var folder = new TempDirectory();
        var path = folder.File("s.jsonl");
        File.WriteAllLines(path,
        [
            Line("m1", "r1", """{"input_tokens":10,"output_tokens":20}"""),
            """{"message":{"id":"m2","model":"claude-x","usage":{"input_tokens":5""", // torn in the middle of the file
            Line("m3", "r3", """{"input_tokens":-4,"output_tokens":20}"""),
            Line("m4", "r4", """{"input_tokens":1,"output_tokens":2}""", timestamp: "yesterday"),
            Line("m5", "r5", """{"input_tokens":1,"output_tokens":2}"""),
        ]);

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal(["claude:m1:r1", "claude:m5:r5"], read.Records.Select(r => r.Id));
        Assert.Equal(3, read.Skipped);
        Assert.Equal([2L, 3L, 4L], read.Problems.Select(p => p.Line));
        Assert.Equal("usage.input_tokens", read.Problems[1].Field);
        Assert.Equal("timestamp", read.Problems[2].Field);
        Assert.All(read.Problems, p => Assert.Equal(path, p.File));
    }

    [Fact]
    public void A_line_whose_text_is_not_valid_utf8_is_a_counted_skip_and_the_rest_is_read()
    {
        using var folder = new TempDirectory();
        var path = folder.File("s.jsonl");
        var good = Encoding.UTF8.GetBytes(Line("m1", "r1", """{"input_tokens":10,"output_tokens":20}""") + "\n");
        var bad = Encoding.UTF8.GetBytes(Line("m2", "r2", """{"input_tokens":1,"output_tokens":2}""", cwd: "/home/XX") + "\n");
        var at = bad.AsSpan().IndexOf("XX"u8);
        bad[at] = 0xFF; // a byte that is never valid UTF-8, inside the cwd string
        bad[at + 1] = 0xFE;
        File.WriteAllBytes(path, [.. good, .. bad, .. Encoding.UTF8.GetBytes(Line("m3", "r3", """{"input_tokens":1,"output_tokens":2}""") + "\n")]);

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal(["claude:m1:r1", "claude:m3:r3"], read.Records.Select(r => r.Id));
        Assert.Equal(2L, Assert.Single(read.Problems).Line);
    }

    [Fact]
    public void An_unfinished_last_line_is_left_for_the_next_read_which_starts_where_this_one_stopped()
    {
        using var folder = new TempDirectory();
        var path = folder.File("s.jsonl");
        var first = Line("m1", "r1", """{"input_tokens":10,"output_tokens":20}""") + "\n";
        var second = Line("m2", "r2", """{"input_tokens":1,"output_tokens":2}""");
        File.WriteAllText(path, first + second[..40]);

        var read = new AgentFileRead(path);
        Reader.Read(read);
        Assert.Equal(["claude:m1:r1"], read.Records.Select(r => r.Id));
        Assert.Equal(Encoding.UTF8.GetByteCount(first), read.EndOffset);
        Assert.Equal(0, read.Skipped);

        File.AppendAllText(path, second[40..]); // finished, still without its newline: a whole JSON object is taken
        var next = new AgentFileRead(path, read.EndOffset) { FirstLine = 1 + read.Lines };
        Reader.Read(next);
        Assert.Equal(["claude:m2:r2"], next.Records.Select(r => r.Id));
        Assert.Equal(new FileInfo(path).Length, next.EndOffset);
    }

    [Fact]
    public void Reading_a_growing_file_in_any_number_of_pieces_finds_the_same_records_as_reading_it_once()
    {
        var lines = Gen.Select(Gen.Int[0, 5], Gen.Int[1, 3], Gen.Long[0, 100_000], Gen.Long[0, 5_000], Gen.Bool)
            .Select((message, part, input, output, sidechain) => Line($"m{message}", $"r{message}",
                $$"""{"input_tokens":{{input}},"output_tokens":{{output * part}}}""", sidechain: sidechain))
            .Array[1, 30];
        Gen.Select(lines, Gen.Int[1, 400].Array[0, 6]).Sample((all, cuts) =>
        {
            using var folder = new TempDirectory();
            var whole = string.Concat(all.Select(line => line + "\n"));
            var once = folder.File("once.jsonl");
            File.WriteAllText(once, whole);
            var expected = new AgentFileRead(once);
            Reader.Read(expected);

            // The same bytes arriving in pieces cut anywhere (inside lines too), read after each piece from the cursor.
            var growing = folder.File("growing.jsonl");
            File.WriteAllText(growing, "");
            var records = new Dictionary<string, UsageRecord>();
            long offset = 0, line = 1, position = 0;
            foreach (var cut in cuts.Select(c => c * whole.Length / 400).Order().Append(whole.Length))
            {
                File.AppendAllText(growing, whole[(int)position..cut]);
                position = cut;
                var read = new AgentFileRead(growing, offset) { FirstLine = line };
                Reader.Read(read);
                foreach (var record in read.Records)
                {
                    if (!records.TryGetValue(record.Id, out var kept) || LargestUsage.Prefer(record, kept))
                    {
                        records[record.Id] = record;
                    }
                }

                Assert.Equal(0, read.Skipped);
                (offset, line) = (read.EndOffset, line + read.Lines);
            }

            Assert.Equal(expected.Records.Select(r => (r.Id, r.Tokens.Total)).Order(), records.Values.Select(r => (r.Id, r.Tokens.Total)).Order());
        }, iter: 200);
    }

    [Fact]
    public void Roots_come_from_CLAUDE_CONFIG_DIR_comma_separated_or_both_default_folders()
    {
        var configured = new AgentEnvironment("/home/u", name => name == "CLAUDE_CONFIG_DIR" ? "/a, /b/c" : null);
        Assert.Equal(["/a/projects", "/b/c/projects"], Reader.FindRoots(configured));
        var defaults = new AgentEnvironment("/home/u", _ => null);
        Assert.Equal(["/home/u/.config/claude/projects", "/home/u/.claude/projects"], Reader.FindRoots(defaults));
    }

    internal static string Line(string message, string request, string usage, string model = "claude-sonnet-4-5-20250929",
        bool sidechain = false, string? cwd = null, string timestamp = "2026-03-01T10:00:00.000Z") =>
        $$"""{"timestamp":"{{timestamp}}","sessionId":"s1",{{(cwd is null ? "" : $"\"cwd\":\"{cwd}\",")}}"isSidechain":{{(sidechain ? "true" : "false")}},"type":"assistant","message":{"id":"{{message}}","model":"{{model}}","role":"assistant","content":[{"type":"text","text":"ok"}],"usage":{{usage}}},"requestId":"{{request}}"}""";
}
