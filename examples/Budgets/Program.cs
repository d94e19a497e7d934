// Budgets: a hard budget refuses, before it is sent, the call that would take spend past its limit; a soft budget
// only warns. Both here cover one run of a job: at most $0.001 hard, a warning past $0.0005.
using System.ClientModel;
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

// One job run, named uniquely so that earlier runs in the same ledger do not count against this one.
var run = new UsageQuery { Job = $"ticket-triage-{Guid.NewGuid():N}" };
using var budgets = BudgetEnforcer.For(tracker,
[
    new Budget { Name = "triage-hard-cap", Scope = run, Period = BudgetPeriod.Parse("total"), Limit = 0.001m, Mode = BudgetMode.Hard },
    new Budget { Name = "triage-heads-up", Scope = run, Period = BudgetPeriod.Parse("total"), Limit = 0.0005m, Mode = BudgetMode.Soft },
]);

await using var server = await LoopbackModelServer.StartAsync();
using IChatClient chat = new OpenAIClient(new ApiKeyCredential("sk-example"), new OpenAIClientOptions { Endpoint = server.Endpoint })
    .GetChatClient("gpt-4o-mini").AsIChatClient()
    .AsBuilder().UseTokenTrace(tracker, configure: client => client.Budgets = budgets).Build();

// Each call reserves its estimate (the prompt, and MaxOutputTokens of output) in the hard budget before it is sent.
// Each costs $0.0002832 here, so three fit under $0.001 and the fourth would cross it.
var options = new ChatOptions { MaxOutputTokens = 300 };
var warned = false;
using (UsageScope.Begin(new Attribution { Project = "helpdesk", Job = run.Job, Agent = "triager" }))
{
    for (var ticket = 1; ticket <= 5; ticket++)
    {
        try
        {
            var answer = await chat.GetResponseAsync($"Triage ticket #{ticket}.", options);
            Console.WriteLine($"Ticket {ticket}: {answer.Text}");
        }
        catch (BudgetExceededException refused)
        {
            Console.WriteLine($"Ticket {ticket}: refused, not sent. {refused.Message}");
            break;
        }

        foreach (var status in await budgets.StatusAsync())
        {
            if (status.Budget.Mode == BudgetMode.Soft && status.Exhausted && !warned)
            {
                warned = true;
                Console.WriteLine(FormattableString.Invariant($"Warning: soft budget '{status.Budget.Name}' is at {status.Percent:0}% (${status.Spend:0.0000000} of ${status.Budget.Limit}); calls go on."));
            }
        }
    }
}

var total = await tracker.GetJobTotalsAsync(run.Job);
Console.WriteLine(FormattableString.Invariant($"Job {run.Job}: {total.Records} calls, ${total.CostUsd:0.0000000} in {ledgerSpec}"));
