// Reporting: record a few calls for two projects, then read a summary by model and project from the library's summary
// API — the same figures `tokentrace summary --by model --by project` prints for this ledger.
using System.ClientModel;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;
using TokenTrace;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;
using TokenTrace.Hosting;
using TokenTrace.Sqlite;

var ledgerSpec = args.SkipWhile(a => a != "--ledger").Skip(1).FirstOrDefault() ?? TokenTraceEnvironment.DefaultLedgerSpec;
await using var ledger = new UsageLedgerFactory().AddSqlite().Open(ledgerSpec);
await using var tracker = new TokenTracker(ledger);

await using var server = await LoopbackModelServer.StartAsync();
using IChatClient openai = new OpenAIClient(new ApiKeyCredential("sk-example"), new OpenAIClientOptions { Endpoint = server.Endpoint })
    .GetChatClient("gpt-4o-mini").AsIChatClient()
    .AsBuilder().UseTokenTrace(tracker).Build();
using IChatClient claude = new AnthropicClient { ApiKey = "sk-ant-example", BaseUrl = server.Root.ToString().TrimEnd('/') }
    .AsIChatClient("claude-sonnet-4-5", 1024)
    .AsBuilder().UseTokenTrace(tracker).Build();

// Per-call attribution through ChatOptions, instead of a UsageScope.
foreach (var (client, project) in new[] { (openai, "atlas"), (openai, "atlas"), (claude, "atlas"), (openai, "hermes") })
{
    await client.GetResponseAsync("Write the weekly status.", new ChatOptions
    {
        AdditionalProperties = new() { [TokenTraceProperties.Project] = project },
    });
}

// SummarizeAsync flushes what the tracker queued, then asks the ledger for the totals.
var summary = await tracker.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model, SummaryDimension.Parse("project")]);
Console.WriteLine($"{"Model",-30} {"Project",-10} {"Calls",5} {"Tokens",8} {"Cost (USD)",12}");
foreach (var row in summary.Rows)
{
    Console.WriteLine(FormattableString.Invariant(
        $"{row.Key["model"],-30} {row.Key["project"],-10} {row.Totals.Records,5} {row.Totals.TotalTokens,8} {row.Totals.CostUsd,12:0.0000000}"));
}

Console.WriteLine(FormattableString.Invariant($"{"Total",-41} {summary.Total.Records,5} {summary.Total.TotalTokens,8} {summary.Total.CostUsd,12:0.0000000}"));
