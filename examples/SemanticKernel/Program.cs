// A Semantic Kernel app tracked by TokenTrace: the kernel's filter records the usage each kernel function reports
// (the OpenAI connector's ChatTokenUsage), priced and attributed to the ambient scope and tagged with the function.
//
//   dotnet run --project examples/SemanticKernel -- --ledger sqlite:/tmp/sk.db
//   tokentrace summary --ledger sqlite:/tmp/sk.db --by tag:tokentrace.function
using System.ClientModel;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;
using TokenTrace;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Hosting;
using TokenTrace.SemanticKernel;
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

// The real OpenAI SDK (under the SK connector), against a loopback server that answers as the Chat Completions API does.
await using var server = await LoopbackModelServer.StartAsync();
var openAI = new OpenAIClient(new ApiKeyCredential("not-needed"), new OpenAIClientOptions { Endpoint = server.Endpoint });

var builder = Kernel.CreateBuilder();
builder.AddOpenAIChatCompletion("gpt-4o-mini", openAI);
builder.AddTokenTrace(tracker);
var kernel = builder.Build();
kernel.ImportPluginFromFunctions("Weather", [KernelFunctionFactory.CreateFromMethod(() => "sunny", "get_weather", "Today's weather.")]);
kernel.ImportPluginFromFunctions("Writer", [
    KernelFunctionFactory.CreateFromPrompt("Write a one-line greeting.", functionName: "greet"),
    KernelFunctionFactory.CreateFromPrompt(
        "What is the weather today?",
        new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() },
        functionName: "forecast"),
]);

using (UsageScope.Begin(new Attribution { Project = "examples", Job = "semantic-kernel", Agent = "newsletter-writer", Session = "newsletter-2026-12-07" }))
{
    // 1. A prompt function: one model call, recorded from the result's "Usage" metadata.
    Console.WriteLine("Writer.greet: " + await kernel.InvokeAsync("Writer", "greet"));

    // 2. A prompt function that calls a tool automatically: two model calls, each recorded once.
    Console.WriteLine("Writer.forecast: " + await kernel.InvokeAsync("Writer", "forecast"));

    // 3. Streaming: recorded when the stream ends, from the usage its last update carries.
    Console.Write("Writer.greet (streaming): ");
    await foreach (var update in kernel.InvokeStreamingAsync<StreamingChatMessageContent>(kernel.Plugins["Writer"]["greet"]))
    {
        Console.Write(update.Content);
    }

    Console.WriteLine();
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
