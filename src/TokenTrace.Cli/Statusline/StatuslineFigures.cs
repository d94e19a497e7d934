namespace TokenTrace.Cli;

/// <summary>
/// The numbers on the status line, read from the ledger: this session, today (local day) and the active block of the
/// coding agents, and the budget closest to its limit.
/// </summary>
internal sealed record StatuslineFigures(UsageTotals? Session, UsageTotals Today, BillingBlock? Block, BlockBurn? Burn, BudgetStatus? TightestBudget)
{
    public static async Task<StatuslineFigures> ReadAsync(CliContext context, IUsageLedger ledger, string? sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var session = sessionId is null ? null
            : (await ledger.SummarizeAsync(new UsageQuery { Session = sessionId }, [], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false)).Total;

        var localToday = TimeZoneInfo.ConvertTime(now, context.TimeZone).Date;
        var (start, end) = (LocalMidnight(localToday, context.TimeZone), LocalMidnight(localToday.AddDays(1), context.TimeZone));
        var bySource = await ledger.SummarizeAsync(new UsageQuery { Since = start, Until = end }, [SummaryDimension.Parse("source")], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
        var today = new UsageTotals();
        foreach (var row in bySource.Rows.Where(r => AgentViewOptions.AgentSources.Contains(r.Key["source"] ?? "")))
        {
            today.Add(row.Totals);
        }

        var block = await new BillingBlockFinder(ledger, UsageQuery.All, AgentViewOptions.AgentSources).FindActiveAsync(now, cancellationToken).ConfigureAwait(false);

        BudgetStatus? tightest = null;
        foreach (var budget in await BudgetSource.AllAsync(context, ledger, cancellationToken).ConfigureAwait(false))
        {
            var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, now, cancellationToken).ConfigureAwait(false);
            if (tightest is null || status.Percent > tightest.Percent)
            {
                tightest = status;
            }
        }

        return new StatuslineFigures(session, today, block, block is null ? null : BlockBurn.Of(block, now), tightest);
    }

    private static DateTimeOffset LocalMidnight(DateTime day, TimeZoneInfo zone)
    {
        var local = DateTime.SpecifyKind(day, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
