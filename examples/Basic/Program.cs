// Basic usage: one UseTokenTrace() line in each chat client's pipeline records every call (JSON and streamed, OpenAI
// and Anthropic), priced from the built-in catalogue and attributed to the project, job and user of the UsageScope.
using System.ClientModel;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;
using TokenTrace;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;
using TokenTrace.Hosting;
using TokenTrace.Sqlite;

// Where records go: --ledger SPEC (sqlite:/tmp/usage.db, jsonl:/tmp/usage.jsonl…), else the default ledger under TOKENTRACE_HOME.
var ledgerSpec = args.SkipWhile(a => a != "--ledger").Skip(1).FirstOrDefault() ?? TokenTraceEnvironment.DefaultLedgerSpec;
await using var ledger = new UsageLedgerFactory().AddSqlite().Open(ledgerSpec);
await using var tracker = new TokenTracker(ledger);

// A server on 127.0.0.1 that answers as the OpenAI and Anthropic APIs do, so this runs offline with the real SDKs.
// In an app, drop the endpoint options and use your keys.
await using var server = await LoopbackModelServer.StartAsync();
using IChatClient openai = new OpenAIClient(new ApiKeyCredential("sk-example"), new OpenAIClientOptions { Endpoint = server.Endpoint })
    .GetChatClient("gpt-4o-mini").AsIChatClient()
    .AsBuilder().UseTokenTrace(tracker).Build();
using IChatClient claude = new AnthropicClient { ApiKey = "sk-ant-example", BaseUrl = server.Root.ToString().TrimEnd('/') }
    .AsIChatClient("claude-sonnet-4-5", 1024)
    .AsBuilder().UseTokenTrace(tracker).Build();

// Every call inside the scope is attributed to it, across awaits.
using (UsageScope.Begin(new Attribution { Project = "atlas", Job = "daily-digest", User = "ada" }))
{
    Console.WriteLine($"OpenAI:           {(await openai.GetResponseAsync("Summarize today's tickets.")).Text}");

    Console.Write("OpenAI, streamed: ");
    await foreach (var update in openai.GetStreamingResponseAsync("Summarize them again, streamed."))
    {
        Console.Write(update.Text);
    }

    Console.WriteLine();
    Console.WriteLine($"Anthropic:        {(await claude.GetResponseAsync("Draft a reply to the first ticket.")).Text}");
}

// Reading totals flushes what the tracker queued; the same figures as `tokentrace summary --by job`.
var job = await tracker.GetJobTotalsAsync("daily-digest");
Console.WriteLine(FormattableString.Invariant($"Job daily-digest: {job.Records} calls, {job.TotalTokens} tokens, ${job.CostUsd:0.000000} in {ledgerSpec}"));
