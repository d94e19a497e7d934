namespace TokenTrace;

/// <summary>
/// Derives a budget's status from the ledger: spend is always what the ledger holds, never a counter; reservations in
/// flight come from the ledger too when it keeps them (<see cref="IBudgetReservations"/>).
/// </summary>
public static class BudgetEvaluator
{
    /// <summary>Evaluates <paramref name="budget"/> at <paramref name="now"/>.</summary>
    public static async Task<BudgetStatus> EvaluateAsync(IUsageLedger ledger, Budget budget, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(budget);
        var window = budget.Period.WindowAt(now, budget.ResolveTimeZone());
        var summary = await ledger.SummarizeAsync(QueryFor(budget, window), [], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
        var spend = budget.SpendOf(summary.Total);
        var reserved = 0m;
        if (ledger.GetService<IBudgetReservations>() is { } reservations)
        {
            reserved = (await reservations.ListReservationsAsync(cancellationToken).ConfigureAwait(false))
                .Where(r => r.Budget == budget.Name && r.IsActiveAt(now)).Sum(r => r.Amount);
        }

        return new BudgetStatus(budget, window, spend, Project(budget, window, spend, now), now)
        {
            Reserved = reserved,
            RollsOffAt = budget.Period.RollingDays > 0 && summary.Total.Records > 0
                ? await OldestAsync(ledger, QueryFor(budget, window), budget.Period.RollingDays, cancellationToken).ConfigureAwait(false) is { } oldest ? oldest.AddDays(budget.Period.RollingDays) : null
                : null,
        };
    }

    /// <summary>
    /// The time of the oldest record matching <paramref name="query"/>. Ledgers do not promise to read in time order (a
    /// CSV file, or a record appended later with an earlier time), so the earliest is looked for day by day from the
    /// window's start: only the first day that has records is read, not the whole window.
    /// </summary>
    private static async Task<DateTimeOffset?> OldestAsync(IUsageLedger ledger, UsageQuery query, int days, CancellationToken cancellationToken)
    {
        var start = query.Since ?? DateTimeOffset.MinValue;
        for (var day = 0; day <= days && start != DateTimeOffset.MinValue; day++)
        {
            var from = start.AddDays(day);
            DateTimeOffset? oldest = null;
            await foreach (var record in ledger.ReadAsync(query with { Since = from, Until = from.AddDays(1) }, cancellationToken).ConfigureAwait(false))
            {
                oldest = oldest is { } o && o <= record.Timestamp ? o : record.Timestamp;
            }

            if (oldest is not null)
            {
                return oldest;
            }
        }

        return null;
    }

    /// <summary>The records a budget counts in <paramref name="window"/>.</summary>
    public static UsageQuery QueryFor(Budget budget, BudgetWindow window)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return budget.Scope with
        {
            Since = window.Start == DateTimeOffset.MinValue ? null : window.Start,
            Until = window.End == DateTimeOffset.MaxValue || budget.Period.RollingDays > 0 ? null : window.End,
        };
    }

    /// <summary>
    /// Linear projection of spend to the end of a calendar period; total and rolling budgets project to their current spend.
    /// Before a tenth of the period has passed the projection is the spend itself, so one early call cannot raise a forecast alert.
    /// </summary>
    public static decimal Project(Budget budget, BudgetWindow window, decimal spend, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(budget);
        if (!window.Resets || budget.Period.RollingDays > 0)
        {
            return spend;
        }

        var elapsed = window.ElapsedFraction(now);
        return elapsed < 0.1 ? spend : spend / (decimal)elapsed;
    }

    /// <summary>The key of the period containing <paramref name="now"/>, for remembering which alerts fired (rolling budgets: N-day blocks).</summary>
    public static long PeriodKey(Budget budget, BudgetWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(budget);
        if (budget.Period.RollingDays > 0)
        {
            var block = TimeSpan.FromDays(budget.Period.RollingDays).Ticks;
            return now.UtcTicks / block * block;
        }

        return window.Start == DateTimeOffset.MinValue ? 0 : window.Start.UtcTicks;
    }
}
