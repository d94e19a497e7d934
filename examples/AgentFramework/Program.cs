// An agent built with Microsoft Agent Framework, tracked by TokenTrace. Every model call is recorded by the chat
// client's UseTokenTrace() and attributed by the agent's UseTokenTrace() to the agent, its session and the run; an agent
// whose chat client is not instrumented is recorded once per run from the run's own usage.
//
//   dotnet run --project examples/AgentFramework -- --ledger sqlite:/tmp/agents.db
//   tokentrace summary --ledger sqlite:/tmp/agents.db --by agent --by session
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using TokenTrace;
using TokenTrace.AgentFramework;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;
using TokenTrace.Hosting;
using TokenTrace.Sqlite;

string spec;
try
{
    spec = LedgerSpecFrom(args) ?? TokenTraceEnvironment.DefaultLedgerSpec;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using var ledger = new UsageLedgerFactory().AddSqlite().Open(spec);
// Records the ledger cannot take yet wait in TOKENTRACE_HOME's spill folder, as the CLI's do, and are replayed on the next start.
await using var tracker = new TokenTracker(ledger, new TokenTrackerOptions { Batching = { SpillDirectory = TokenTraceEnvironment.SpillDirectory } });

// The real OpenAI SDK, against a loopback server that answers as the Chat Completions API does.
await using var server = await LoopbackModelServer.StartAsync();

using (UsageScope.Begin(new Attribution { Project = "examples", Job = "agent-framework" }))
{
    // 1. An instrumented chat client: one record per model call, each attributed to the agent, session and run.
    var planner = new ChatClientAgent(
            server.ChatClient().AsBuilder().UseTokenTrace(tracker).Build(),
            instructions: "You plan trips.",
            name: "trip-planner",
            tools: [AIFunctionFactory.Create(() => "sunny", "get_weather", "Today's weather at the destination.")])
        .AsBuilder()
        .UseTokenTrace(tracker)
        .Build();
    var session = await planner.CreateSessionAsync();

    Console.WriteLine("trip-planner: " + await planner.RunAsync("What is the weather at the destination?", session));

    Console.Write("trip-planner (streaming): ");
    await foreach (var update in planner.RunStreamingAsync("And tomorrow?", session))
    {
        Console.Write(update.Text);
    }

    Console.WriteLine();

    // 2. A chat client without UseTokenTrace: the agent records the run once, from the run's usage, tagged tokentrace.usage=agent-run.
    var summarizer = new ChatClientAgent(server.ChatClient(), instructions: "You summarize.", name: "summarizer")
        .AsBuilder()
        .UseTokenTrace(tracker)
        .Build();
    Console.WriteLine("summarizer: " + await summarizer.RunAsync("Summarize the plan.", await summarizer.CreateSessionAsync()));
}

await tracker.FlushAsync();
var total = await tracker.SummarizeAsync();
Console.WriteLine(FormattableString.Invariant($"{spec} now holds {total.Total.Records} records, {total.Total.CostUsd:0.0000000} USD."));
return 0;

static string? LedgerSpecFrom(string[] args) => args switch
{
    [] => null,
    ["--ledger", var spec] when !string.IsNullOrWhiteSpace(spec) => spec,
    [var one] when one.StartsWith("--ledger=", StringComparison.Ordinal) && one.Length > "--ledger=".Length => one["--ledger=".Length..],
    _ => throw new ArgumentException("Usage: [--ledger SPEC], e.g. --ledger sqlite:/tmp/usage.db (default: the ledger under TOKENTRACE_HOME)"),
};
