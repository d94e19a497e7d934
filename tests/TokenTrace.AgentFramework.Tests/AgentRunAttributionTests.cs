using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;

namespace TokenTrace.AgentFramework.Tests;

/// <summary>
/// A real <see cref="ChatClientAgent"/> over the OpenAI SDK's <see cref="IChatClient"/>, against the loopback server.
/// Canned usage: a plain answer is prompt 1200 (1024 cached) + completion 300 as JSON, prompt 800 (512 cached) +
/// completion 120 as SSE; with tools, the call of <c>get_weather</c> is 100 + 20 and the answer after it 150 + 30.
/// </summary>
public sealed class AgentRunAttributionTests
{
    private static IChatClient Instrumented(LoopbackModelServer server, TokenTracker tracker) =>
        server.ChatClient().AsBuilder().UseTokenTrace(tracker).Build();

    private static AIAgent Agent(IChatClient chatClient, string name, TokenTracker? tracker = null, IList<AITool>? tools = null) =>
        new ChatClientAgent(chatClient, instructions: "Answer briefly.", name: name, tools: tools)
            .AsBuilder()
            .UseTokenTrace(tracker)
            .Build();

    private static string SessionIdOf(AgentSession session) =>
        session.StateBag.TryGetValue<string>(TokenTraceAgent.SessionStateKey, out var id) ? id! : throw new InvalidOperationException("no TokenTrace session id");

    private static async Task<string> RunAsync(AIAgent agent, AgentSession? session, bool streaming, string question = "Hello?")
    {
        if (!streaming)
        {
            return (await agent.RunAsync(question, session)).Text;
        }

        var text = "";
        await foreach (var update in agent.RunStreamingAsync(question, session))
        {
            text += update.Text;
        }

        return text.TrimEnd();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_model_call_is_recorded_once_attributed_to_the_agent_its_session_and_the_run(bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var agent = Agent(Instrumented(server, tracking.Tracker), "greeter", tracking.Tracker);
        var session = await agent.CreateSessionAsync();

        Assert.Equal("Hello there.", await RunAsync(agent, session, streaming));
        Assert.Equal("Hello there.", await RunAsync(agent, session, streaming));

        var records = await tracking.RecordsAsync();
        Assert.Equal(2, server.ChatRequests);
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("greeter", r.Attribution.Agent);
            Assert.Equal(SessionIdOf(session), r.Attribution.Session);
            Assert.Equal("openai", r.Provider);
            Assert.Equal(LoopbackModelServer.ServedModel, r.Model);
            Assert.False(r.Attribution.Tags.ContainsKey(TokenTraceTags.Usage));
        });

        // Two runs of one session: one session, two run ids.
        Assert.Equal(2, records.Select(r => r.Attribution.Tags[TokenTraceAgentTags.Run]).Distinct().Count());

        // JSON: 176 input × 0.15 + 1024 cache read × 0.075 + 300 output × 0.60 = 283.2 µ$;
        // SSE: 288 × 0.15 + 512 × 0.075 + 120 × 0.60 = 153.6 µ$.
        Assert.All(records, r => Assert.Equal(streaming ? 0.0001536m : 0.0002832m, r.CostUsd));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tool_call_inside_a_run_sees_the_run_scope_and_both_model_calls_carry_it(bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        Attribution? seenByTool = null;
        var weather = AIFunctionFactory.Create(() =>
        {
            seenByTool = UsageScope.Current;
            return "sunny";
        }, "get_weather");
        var agent = Agent(Instrumented(server, tracking.Tracker), "forecaster", tracking.Tracker, [weather]);
        var session = await agent.CreateSessionAsync();

        Assert.Equal("It is sunny.", await RunAsync(agent, session, streaming, "What is the weather?"));

        var records = await tracking.RecordsAsync();
        Assert.Equal(
            [new TokenCounts { Input = 100, Output = 20 }, new TokenCounts { Input = 150, Output = 30 }],
            records.Select(r => r.Tokens).OrderBy(t => t.Input));
        Assert.All(records, r => Assert.Equal("forecaster", r.Attribution.Agent));
        Assert.Single(records.Select(r => r.Attribution.Tags[TokenTraceAgentTags.Run]).Distinct());
        Assert.NotNull(seenByTool);
        Assert.Equal("forecaster", seenByTool.Agent);
        Assert.Equal(SessionIdOf(session), seenByTool.Session);
        Assert.Equal(records[0].Attribution.Tags[TokenTraceAgentTags.Run], seenByTool.Tags[TokenTraceAgentTags.Run]);
    }

    [Fact]
    public async Task A_nested_agent_called_as_a_tool_is_attributed_to_itself_inside_the_callers_session()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var inner = Agent(Instrumented(server, tracking.Tracker), "researcher", tracking.Tracker);
        var asTool = AIFunctionFactory.Create(async () => (await inner.RunAsync("Look it up.")).Text, "get_weather");
        var outer = Agent(Instrumented(server, tracking.Tracker), "planner", tracking.Tracker, [asTool]);
        var session = await outer.CreateSessionAsync();

        await outer.RunAsync("What is the weather?", session);

        var records = await tracking.RecordsAsync();
        Assert.Equal(3, records.Count);
        var byAgent = records.ToLookup(r => r.Attribution.Agent);
        Assert.Equal(2, byAgent["planner"].Count());
        // The inner agent's plain answer: prompt 1200, 1024 of it cached → input 176; 128 of the 300 output tokens are reasoning.
        var nested = Assert.Single(byAgent["researcher"]);
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, nested.Tokens);
        // The inner run had no session of its own: it stays in the caller's, with a run of its own.
        Assert.All(records, r => Assert.Equal(SessionIdOf(session), r.Attribution.Session));
        Assert.NotEqual(byAgent["planner"].First().Attribution.Tags[TokenTraceAgentTags.Run], nested.Attribution.Tags[TokenTraceAgentTags.Run]);
    }

    [Fact]
    public async Task Two_agents_running_at_the_same_time_keep_their_own_attribution()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();

        // Both requests are in the server before either is answered, so the two runs overlap.
        var arrived = 0;
        var bothArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.AnswerGate = bothArrived.Task;
        server.OnChatRequest = () =>
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothArrived.SetResult();
            }
        };
        var alice = Agent(Instrumented(server, tracking.Tracker), "alice", tracking.Tracker);
        var bob = Agent(Instrumented(server, tracking.Tracker), "bob", tracking.Tracker);
        var aliceSession = await alice.CreateSessionAsync();
        var bobSession = await bob.CreateSessionAsync();

        await Task.WhenAll(
            Task.Run(() => RunAsync(alice, aliceSession, streaming: false)),
            Task.Run(() => RunAsync(bob, bobSession, streaming: true))).WaitAsync(TimeSpan.FromSeconds(60));

        var records = await tracking.RecordsAsync();
        Assert.Equal(2, records.Count);
        var a = Assert.Single(records, r => r.Attribution.Agent == "alice");
        var b = Assert.Single(records, r => r.Attribution.Agent == "bob");
        Assert.Equal(SessionIdOf(aliceSession), a.Attribution.Session);
        Assert.Equal(SessionIdOf(bobSession), b.Attribution.Session);
        Assert.NotEqual(a.Attribution.Session, b.Attribution.Session);
        Assert.Equal(1200 - 1024, a.Tokens.Input);
        Assert.Equal(800 - 512, b.Tokens.Input);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Without_an_instrumented_chat_client_a_run_is_recorded_once_from_its_own_usage(bool streaming)
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var agent = Agent(server.ChatClient(), "forecaster", tracking.Tracker, [AIFunctionFactory.Create(() => "sunny", "get_weather")]);
        var session = await agent.CreateSessionAsync();

        Assert.Equal("It is sunny.", await RunAsync(agent, session, streaming, "What is the weather?"));

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(2, server.ChatRequests);
        // The two model calls summed: 100 + 150 input, 20 + 30 output; 250 × 0.15 + 50 × 0.60 = 67.5 µ$.
        Assert.Equal(new TokenCounts { Input = 250, Output = 50 }, record.Tokens);
        Assert.Equal(0.0000675m, record.CostUsd);
        Assert.Equal(TokenTraceAgentTags.RunUsage, record.Attribution.Tags[TokenTraceTags.Usage]);
        Assert.Equal("forecaster", record.Attribution.Agent);
        Assert.Equal(SessionIdOf(session), record.Attribution.Session);
        Assert.Equal("openai", record.Provider);
        Assert.Equal(LoopbackModelServer.ServedModel, record.Model);
    }

    [Fact]
    public async Task Without_a_tracker_an_uninstrumented_agent_records_nothing_and_runs_normally()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var agent = Agent(server.ChatClient(), "quiet");

        Assert.Equal("Hello there.", await RunAsync(agent, null, streaming: false));

        Assert.Empty(await tracking.RecordsAsync());
    }

    [Fact]
    public async Task A_session_restored_from_its_serialized_form_keeps_its_session_id()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var agent = Agent(Instrumented(server, tracking.Tracker), "greeter", tracking.Tracker);
        var session = await agent.CreateSessionAsync();
        await agent.RunAsync("Hello?", session);

        var restored = await agent.DeserializeSessionAsync(await agent.SerializeSessionAsync(session));
        await agent.RunAsync("Hello again?", restored);

        var records = await tracking.RecordsAsync();
        Assert.Equal(2, records.Count);
        Assert.Single(records.Select(r => r.Attribution.Session).Distinct());
        Assert.Equal(SessionIdOf(session), records[0].Attribution.Session);
    }

    [Fact]
    public async Task A_failed_run_is_recorded_once_as_an_error_by_whichever_layer_saw_it()
    {
        // The model "broken" answers HTTP 400: no usage reported.
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var instrumented = Agent(server.ChatClient("broken").AsBuilder().UseTokenTrace(tracking.Tracker).Build(), "fragile", tracking.Tracker);
        var uninstrumented = Agent(server.ChatClient("broken"), "fragile-too", tracking.Tracker);

        await Assert.ThrowsAnyAsync<Exception>(() => instrumented.RunAsync("Hello?"));
        await Assert.ThrowsAnyAsync<Exception>(() => uninstrumented.RunAsync("Hello?"));

        var records = await tracking.RecordsAsync();
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("error", r.Status);
            Assert.Equal(TokenTraceTags.Unreported, r.Attribution.Tags[TokenTraceTags.Usage]);
            Assert.Equal(TokenCounts.Zero, r.Tokens);
            Assert.Equal("broken", r.Model);
        });
        Assert.Equal(["fragile", "fragile-too"], records.Select(r => r.Attribution.Agent).Order());
    }

    [Fact]
    public async Task Without_a_tracker_argument_the_registered_tracker_records_the_run()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        var services = new ServiceCollection().AddSingleton(tracking.Tracker).BuildServiceProvider();
        var agent = new ChatClientAgent(server.ChatClient(), name: "registered").AsBuilder().UseTokenTrace().Build(services);

        await agent.RunAsync("Hello?");

        var record = await tracking.SingleRecordAsync();
        Assert.Equal("registered", record.Attribution.Agent);
        Assert.Equal(TokenTraceAgentTags.RunUsage, record.Attribution.Tags[TokenTraceTags.Usage]);
    }
}
