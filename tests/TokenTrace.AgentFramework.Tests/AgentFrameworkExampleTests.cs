using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.AgentFramework.Tests;

/// <summary>examples/AgentFramework, run as a process with <c>--ledger sqlite:FILE</c>, its ledger read back.</summary>
public sealed class AgentFrameworkExampleTests
{
    [Fact]
    public async Task The_example_leaves_priced_records_attributed_to_each_agent_and_session()
    {
        using var temp = new TempDirectory();
        var file = temp.File("agents.db");

        var (exitCode, output, error) = await ExampleProcess.RunAsync(temp.Path, "--ledger", "sqlite:" + file);

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        Assert.Contains("trip-planner: It is sunny.", output, StringComparison.Ordinal);
        await using var ledger = new SqliteUsageLedger(file);
        var records = await ledger.ReadAsync(UsageQuery.All).ToListAsync();
        Assert.Equal(4, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("openai", r.Provider);
            Assert.Equal(LoopbackModelServer.ServedModel, r.Model);
            Assert.Equal("examples", r.Attribution.Project);
            Assert.Equal("agent-framework", r.Attribution.Job);
            Assert.NotNull(r.Attribution.Session);
            Assert.True(r.Attribution.Tags.ContainsKey(TokenTraceAgentTags.Run));
        });

        // trip-planner, one session, two runs: the tool call (prompt 100, completion 20) and the answer after it
        // (150, 30); the second, streamed run has the tool result in its history, so it is answered as after a tool (150, 30).
        var planner = records.Where(r => r.Attribution.Agent == "trip-planner").ToList();
        Assert.Equal(3, planner.Count);
        Assert.Single(planner.Select(r => r.Attribution.Session).Distinct());
        Assert.Equal(2, planner.Select(r => r.Attribution.Tags[TokenTraceAgentTags.Run]).Distinct().Count());
        Assert.Equal([100L, 150L, 150L], planner.Select(r => r.Tokens.Input).Order());
        Assert.All(planner, r => Assert.False(r.Attribution.Tags.ContainsKey(TokenTraceTags.Usage)));
        // 100 × 0.15 + 20 × 0.60 = 27 µ$; 150 × 0.15 + 30 × 0.60 = 40.5 µ$ (twice).
        Assert.Equal(0.000027m + 0.0000405m + 0.0000405m, planner.Sum(r => r.CostUsd));

        // summarizer: no instrumented chat client, so one record of the run's usage: prompt 1200 (1024 cached), completion
        // 300 → 176 × 0.15 + 1024 × 0.075 + 300 × 0.60 = 283.2 µ$.
        var summarizer = Assert.Single(records, r => r.Attribution.Agent == "summarizer");
        Assert.Equal(TokenTraceAgentTags.RunUsage, summarizer.Attribution.Tags[TokenTraceTags.Usage]);
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, summarizer.Tokens);
        Assert.Equal(0.0002832m, summarizer.CostUsd);
        Assert.NotEqual(planner[0].Attribution.Session, summarizer.Attribution.Session);
        Assert.Contains("4 records, 0.0003912 USD", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_argument_is_a_usage_error()
    {
        using var temp = new TempDirectory();

        var (exitCode, _, error) = await ExampleProcess.RunAsync(temp.Path, "--ledger");

        Assert.Equal(2, exitCode);
        Assert.Contains("--ledger SPEC", error, StringComparison.Ordinal);
    }
}
