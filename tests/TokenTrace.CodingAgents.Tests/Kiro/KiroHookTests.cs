namespace TokenTrace.CodingAgents.Tests;

public sealed class KiroHookTests
{
    private static readonly DateTimeOffset Submitted = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_stop_carries_the_time_since_the_submit_of_the_same_workspace_only()
    {
        using var home = new TempDirectory();
        var hook = new KiroHook(new KiroTurnStore(home.File("kiro")));
        var submit = hook.Record(Event(KiroHook.PromptSubmit, "/w/alpha", Submitted, "hello world"));
        hook.Record(Event(KiroHook.PromptSubmit, "/w/beta", Submitted.AddSeconds(5), "hello"));

        var stop = hook.Record(Event(KiroHook.AgentStop, "/w/alpha", Submitted.AddSeconds(12.5)));
        Assert.Equal(12_500, stop.LatencyMs);
        Assert.Equal(submit.Attribution.Tags["turn"], stop.Attribution.Tags["turn"]);
        Assert.Equal("alpha", stop.Attribution.Project);
        Assert.Equal($"kiro:{submit.Attribution.Tags["turn"]}:agentStop", stop.Id);

        // beta's turn is still open: its stop three seconds after its submit is 3,000 ms, not alpha's 12.5 s.
        Assert.Equal(3_000, hook.Record(Event(KiroHook.AgentStop, "/w/beta", Submitted.AddSeconds(8))).LatencyMs);
    }

    [Fact]
    public void A_stop_before_its_submit_by_the_clock_has_an_error_and_no_elapsed_time()
    {
        using var home = new TempDirectory();
        var hook = new KiroHook(new KiroTurnStore(home.File("kiro")));
        hook.Record(Event(KiroHook.PromptSubmit, "/w", Submitted, "hello"));
        var stop = hook.Record(Event(KiroHook.AgentStop, "/w", Submitted.AddSeconds(-1)));
        Assert.Null(stop.LatencyMs);
        Assert.Equal("clock-went-back", stop.Attribution.Tags["error"]);
    }

    [Fact]
    public void A_damaged_turn_file_is_an_error_on_the_stop_and_is_not_met_again()
    {
        using var home = new TempDirectory();
        var hook = new KiroHook(new KiroTurnStore(home.File("kiro")));
        hook.Record(Event(KiroHook.PromptSubmit, "/w", Submitted, "hello"));
        File.WriteAllText(Assert.Single(Directory.GetFiles(home.File("kiro"))), "{\"turn\":\"t1\",\"subm");

        var stop = hook.Record(Event(KiroHook.AgentStop, "/w", Submitted.AddSeconds(1)));
        Assert.Equal("turn-state-unreadable", stop.Attribution.Tags["error"]);
        Assert.Null(stop.LatencyMs);
        Assert.Equal("no-promptSubmit", hook.Record(Event(KiroHook.AgentStop, "/w", Submitted.AddSeconds(2))).Attribution.Tags["error"]);
    }

    [Fact]
    public void A_submit_without_a_prompt_claims_no_estimate()
    {
        using var home = new TempDirectory();
        var record = new KiroHook(new KiroTurnStore(home.File("kiro"))).Record(Event(KiroHook.PromptSubmit, "/w", Submitted, prompt: null));
        Assert.Equal(0, record.Tokens.Input);
        Assert.Equal("no-USER_PROMPT", record.Attribution.Tags["error"]);
        Assert.False(record.Attribution.Tags.ContainsKey("estimate"));
    }

    [Fact]
    public void Two_problems_of_one_run_are_both_named()
    {
        using var home = new TempDirectory();
        var hook = new KiroHook(new KiroTurnStore(home.File("kiro")));
        hook.Record(Event(KiroHook.PromptSubmit, "/w", Submitted, "hello"));
        var second = hook.Record(Event(KiroHook.PromptSubmit, "/w", Submitted.AddSeconds(1), prompt: null));
        Assert.Equal("previous-turn-unfinished,no-USER_PROMPT", second.Attribution.Tags["error"]);
    }

    [Fact]
    public void Token_counts_grow_with_the_text_and_add_up_over_words_the_encoding_keeps_whole()
    {
        var estimator = PromptTokenEstimator.Shared;
        // " world" is one o200k token: each repetition adds exactly one.
        Assert.Equal(1, estimator.Count("hello"));
        Assert.Equal(1 + 1_000, estimator.Count("hello" + string.Concat(Enumerable.Repeat(" world", 1_000))));
        Assert.Equal(0, estimator.Count(""));
    }

    private static KiroHookEvent Event(string trigger, string workspace, DateTimeOffset at, string? prompt = null) =>
        new() { Trigger = trigger, Workspace = workspace, At = at, Prompt = prompt, HookName = "h" };
}
