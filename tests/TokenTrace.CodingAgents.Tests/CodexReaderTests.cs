using TokenTrace.CodingAgents;

namespace TokenTrace.CodingAgents.Tests;

public sealed class CodexReaderTests
{
    private static readonly CodexReader Reader = new();

    [Fact]
    public void Reads_the_shared_sample_with_openai_buckets_and_the_model_of_each_event()
    {
        var path = SharedData.Find("codex/session-alpha.jsonl");
        Assert.True(path is not null, "../shared/data/codex/session-alpha.jsonl is missing");

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal(0, read.Skipped);
        Assert.Equal(2, read.Records.Count);
        // last_token_usage 1000 input of which 250 cached, 125 output of which 75 reasoning (OpenAI's convention).
        Assert.Equal(new TokenCounts { Input = 750, CacheRead = 250, Output = 125, Reasoning = 75 }, read.Records[0].Tokens);
        Assert.Equal("gpt-5.2-codex", read.Records[0].Model);
        Assert.Equal(new TokenCounts { Input = 2000, CacheRead = 500, Output = 300, Reasoning = 200 }, read.Records[1].Tokens);
        Assert.Equal("gpt-5.3-codex", read.Records[1].Model);
        Assert.All(read.Records, r => Assert.Equal(("openai", UsageSources.Codex), (r.Provider, r.Source)));
    }

    [Fact]
    public void Without_last_usage_the_turn_is_the_difference_of_totals_repeats_are_passed_over_and_state_carries_across_reads()
    {
        using var folder = new TempDirectory();
        var path = folder.File("rollout-2026-05-13T09-00-00-abc.jsonl");
        File.WriteAllLines(path,
        [
            """{"timestamp":"2026-05-13T09:00:00Z","type":"session_meta","payload":{"id":"sess-1","cwd":"/work/app"}}""",
            """{"timestamp":"2026-05-13T09:00:01Z","type":"turn_context","payload":{"model":"gpt-5-codex","cwd":"/work/app"}}""",
            TotalOnly("2026-05-13T09:01:00Z", 1000, 200, 50, 10),
            TotalOnly("2026-05-13T09:01:01Z", 1000, 200, 50, 10), // the same totals again: a repeat, not a turn
            """{"timestamp":"2026-05-13T09:01:02Z","type":"event_msg","payload":{"type":"token_count","info":null}}""",
        ]);

        var read = new AgentFileRead(path);
        Reader.Read(read);
        var first = Assert.Single(read.Records);
        Assert.Equal(new TokenCounts { Input = 800, CacheRead = 200, Output = 50, Reasoning = 10 }, first.Tokens);
        Assert.Equal(("gpt-5-codex", "/work/app", "sess-1"), (first.Model, first.Attribution.Project, first.Attribution.Session));

        var lengthBefore = new FileInfo(path).Length;
        File.AppendAllLines(path, [TotalOnly("2026-05-13T09:05:00Z", 3500, 1200, 90, 30)]);
        var next = new AgentFileRead(path, read.EndOffset, read.State) { FirstLine = 1 + read.Lines };
        Reader.Read(next);
        var second = Assert.Single(next.Records);
        Assert.Equal(new TokenCounts { Input = 1500, CacheRead = 1000, Output = 40, Reasoning = 20 }, second.Tokens);
        Assert.Equal(("gpt-5-codex", "/work/app", $"codex:sess-1:{lengthBefore}"), (second.Model, second.Attribution.Project, second.Id));
    }

    [Fact]
    public void A_log_that_never_names_its_model_is_recorded_as_the_assumed_model_and_says_so()
    {
        using var folder = new TempDirectory();
        var path = folder.File("old.jsonl");
        File.WriteAllLines(path, [TotalOnly("2025-09-01T09:00:00Z", 100, 0, 10, 0)]);

        var read = new AgentFileRead(path);
        Reader.Read(read);

        var record = Assert.Single(read.Records);
        Assert.Equal(CodexReader.AssumedModel, record.Model);
        Assert.Equal("assumed", record.Attribution.Tags["model"]);
    }

    [Fact]
    public void Totals_that_go_down_or_cached_above_input_are_counted_skips_naming_the_field()
    {
        using var folder = new TempDirectory();
        var path = folder.File("bad.jsonl");
        File.WriteAllLines(path,
        [
            TotalOnly("2026-05-13T09:01:00Z", 1000, 0, 50, 0),
            TotalOnly("2026-05-13T09:02:00Z", 900, 0, 60, 0),
            """{"timestamp":"2026-05-13T09:03:00Z","type":"event_msg","payload":{"type":"token_count","info":{"model":"gpt-5","last_token_usage":{"input_tokens":10,"cached_input_tokens":20,"output_tokens":1}}}}""",
            "not json",
        ]);

        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Single(read.Records);
        Assert.Equal(3, read.Skipped);
        Assert.Equal(["info.total_token_usage", "info.last_token_usage.cached_input_tokens", null], read.Problems.Select(p => p.Field));
        Assert.Equal([2L, 3L, 4L], read.Problems.Select(p => p.Line));
    }

    [Fact]
    public void Roots_are_sessions_and_archived_sessions_of_CODEX_HOME()
    {
        Assert.Equal(["/c/sessions", "/c/archived_sessions"], Reader.FindRoots(new AgentEnvironment("/home/u", n => n == "CODEX_HOME" ? "/c" : null)));
        Assert.Equal(["/home/u/.codex/sessions", "/home/u/.codex/archived_sessions"], Reader.FindRoots(new AgentEnvironment("/home/u", _ => null)));
    }

    private static string TotalOnly(string at, long input, long cached, long output, long reasoning) =>
        $$"""{"timestamp":"{{at}}","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":{{input}},"cached_input_tokens":{{cached}},"output_tokens":{{output}},"reasoning_output_tokens":{{reasoning}},"total_tokens":{{input + output}}""" + "}}}}";
}
