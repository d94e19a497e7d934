using System.Globalization;
using TokenTrace.CodingAgents;

namespace TokenTrace.Cli;

/// <summary>
/// Whether a Claude Code session may go on: the hard budgets whose scope covers the session's next response and whose
/// spend has reached their limit. The next response is taken to look like the session's latest one of the main
/// conversation (its model, provider and attribution, as the reader stores them), or, before the session has any, like
/// what the reader would store for it (source claude-code, the working folder as project, the session, agent main).
/// </summary>
/// <remarks>
/// Spend is the ledger's, plus the session's responses its transcript has and the ledger does not yet: the answer
/// Claude Code wrote just before this prompt, which a sync leaves for later while it has no <c>stop_reason</c> (it may
/// still grow, and a usage stored once is never replaced), and whatever a sync cut short by the time limit did not reach.
/// They are counted here without being stored.
/// </remarks>
internal static class HookBudgetCheck
{
    /// <summary>The exhausted hard budgets in scope, in name order (empty when the prompt may go on).</summary>
    public static async Task<IReadOnlyList<BudgetStatus>> ExhaustedAsync(CliContext context, IUsageLedger ledger, ClaudeCodeHookInput input, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hard = (await BudgetSource.AllAsync(context, ledger, cancellationToken).ConfigureAwait(false)).Where(b => b.Mode == BudgetMode.Hard).ToList();
        if (hard.Count == 0)
        {
            return []; // nothing to read: the common case costs no query
        }

        var stored = await ledger.ReadAsync(new UsageQuery { Session = input.SessionId, Source = UsageSources.ClaudeCode }, cancellationToken)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var unstored = await UnstoredAsync(context.Pipeline, ledger, input, cancellationToken).ConfigureAwait(false);
        var next = NextResponse([.. stored, .. unstored], input, now);
        var exhausted = new List<BudgetStatus>();
        foreach (var budget in hard.Where(b => b.Covers(next)))
        {
            var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, now, cancellationToken).ConfigureAwait(false);
            var counts = BudgetEvaluator.QueryFor(budget, status.Window);
            var withUnstored = status with { Spend = status.Spend + unstored.Where(counts.Matches).Sum(budget.SpendOf) };
            if (withUnstored.Exhausted)
            {
                exhausted.Add(withUnstored);
            }
        }

        return exhausted;
    }

    /// <summary>What Claude Code shows the user when the prompt is refused: each budget, its spend and limit, and when it frees up.</summary>
    public static string Reason(IReadOnlyList<BudgetStatus> exhausted)
    {
        var lines = exhausted.Select(s =>
        {
            var resets = BudgetResetText.Describe(s) ?? "it is a total budget and never resets";
            return string.Create(CultureInfo.InvariantCulture,
                $"TokenTrace: prompt refused — hard budget '{s.Budget.Name}' ({BudgetScope.ToText(s.Budget.Scope)}, {s.Budget.Period.Name}) has spent {Amount(s.Spend, s.Budget.Unit)} of its {Amount(s.Budget.Limit, s.Budget.Unit)} limit; {resets}.");
        });
        return string.Join(Environment.NewLine, lines) + Environment.NewLine
            + "Raise the limit (`tokentrace budget set NAME --limit N …`), make it soft, or wait; `tokentrace budget status` shows every budget."
            + Environment.NewLine;
    }

    private static string Amount(decimal value, BudgetUnit unit) => BudgetAmount.Format(value, unit) + (unit == BudgetUnit.Tokens ? " tokens" : "");

    /// <summary>
    /// The session's responses in its transcript that the ledger does not have, priced and estimated as a sync would.
    /// "Does not have" is by id under any session: Claude Code copies responses into the transcript of a session it
    /// continues, and the sync stores such a response once, under whichever transcript it read first.
    /// </summary>
    private static async Task<List<UsageRecord>> UnstoredAsync(UsageRecordPipeline pipeline, IUsageLedger ledger, ClaudeCodeHookInput input, CancellationToken cancellationToken)
    {
        if (input.TranscriptPath is not { } transcript || !File.Exists(transcript))
        {
            return [];
        }

        var read = new AgentFileRead(transcript);
        try
        {
            new ClaudeCodeReader().Read(read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return []; // the sync that ran just before reports an unreadable transcript; the ledger's spend stands
        }

        var candidates = read.Records.Where(r => r.Attribution.Session == input.SessionId).ToList();
        if (candidates.Count == 0)
        {
            return [];
        }

        var known = new HashSet<string>(StringComparer.Ordinal);
        var since = candidates.Min(r => r.Timestamp);
        await foreach (var record in ledger.ReadAsync(new UsageQuery { Source = UsageSources.ClaudeCode, Since = since }, cancellationToken).ConfigureAwait(false))
        {
            known.Add(record.Id);
        }

        var found = new List<UsageRecord>();
        foreach (var record in candidates.Where(r => !known.Contains(r.Id)))
        {
            try
            {
                found.Add(pipeline.Prepare(record));
            }
            catch (ArgumentException)
            {
                // Refused by the pipeline: a sync skips it too (and names it), so it is no spend.
            }
        }

        return found;
    }

    private static UsageRecord NextResponse(List<UsageRecord> session, ClaudeCodeHookInput input, DateTimeOffset now)
    {
        UsageRecord? latest = null;
        foreach (var record in session)
        {
            // The main conversation's latest: the next prompt is answered by the main agent, with its model.
            var main = record.Attribution.Agent == ClaudeCodeReader.MainAgent;
            var latestMain = latest?.Attribution.Agent == ClaudeCodeReader.MainAgent;
            if (latest is null || (main && !latestMain) || (main == latestMain && record.Timestamp >= latest.Timestamp))
            {
                latest = record;
            }
        }

        if (latest is not null)
        {
            return latest with { Timestamp = now, Attribution = latest.Attribution with { Agent = ClaudeCodeReader.MainAgent } };
        }

        return new UsageRecord
        {
            Id = "next:" + input.SessionId,
            Timestamp = now,
            Provider = "anthropic",
            Model = "", // not known before the session's first response: a budget on one model does not cover it yet
            Source = UsageSources.ClaudeCode,
            Attribution = new Attribution { Project = input.Cwd, Session = input.SessionId, Agent = ClaudeCodeReader.MainAgent },
        };
    }
}
