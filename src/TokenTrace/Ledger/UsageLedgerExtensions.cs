namespace TokenTrace;

/// <summary>
/// What callers do with any <see cref="IUsageLedger"/>: find a capability, summarize, revise costs, check integrity.
/// Each uses the store's own capability when <see cref="IUsageLedger.GetService"/> offers it (through any number of
/// wrappers), and otherwise falls back to reading records, so a minimal third-party ledger works everywhere.
/// </summary>
public static class UsageLedgerExtensions
{
    /// <summary>The <typeparamref name="TService"/> capability of <paramref name="ledger"/>, or null.</summary>
    public static TService? GetService<TService>(this IUsageLedger ledger, object? serviceKey = null)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return ledger.GetService(typeof(TService), serviceKey) as TService;
    }

    /// <summary>The <typeparamref name="TService"/> capability of <paramref name="ledger"/>.</summary>
    /// <exception cref="NotSupportedException">The ledger does not offer it; the message names the ledger and the capability.</exception>
    public static TService GetRequiredService<TService>(this IUsageLedger ledger, object? serviceKey = null)
        where TService : class =>
        ledger.GetService<TService>(serviceKey)
        ?? throw new NotSupportedException($"{ledger.Spec} does not support {typeof(TService).Name}");

    /// <summary>
    /// Totals of the records matching <paramref name="query"/>, grouped by <paramref name="by"/> in
    /// <paramref name="timeZone"/>: computed by the store when it is an <see cref="IUsageSummarizer"/>, otherwise by
    /// streaming its records.
    /// </summary>
    public static Task<UsageSummary> SummarizeAsync(this IUsageLedger ledger, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(timeZone);
        return ledger.GetService<IUsageSummarizer>() is { } summarizer
            ? summarizer.SummarizeAsync(query, by, timeZone, cancellationToken)
            : UsageSummaries.FromRecordsAsync(ledger.ReadAsync(query, cancellationToken), by, timeZone);
    }

    /// <summary>Replaces the cost of stored records; see <see cref="ICostReviser"/>.</summary>
    /// <exception cref="NotSupportedException">The ledger cannot revise costs.</exception>
    public static Task<int> ReviseCostsAsync(this IUsageLedger ledger, IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        return ledger.GetRequiredService<ICostReviser>().ReviseCostsAsync(revisions, cancellationToken);
    }

    /// <summary>
    /// Checks the store's integrity: the store's own check when it is an <see cref="ILedgerHealthCheck"/>, otherwise a
    /// full read in which a failure is reported as a problem.
    /// </summary>
    public static async Task<LedgerHealth> CheckAsync(this IUsageLedger ledger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (ledger.GetService<ILedgerHealthCheck>() is { } check)
        {
            return await check.CheckAsync(cancellationToken).ConfigureAwait(false);
        }

        long records = 0;
        try
        {
            await foreach (var _ in ledger.ReadAsync(UsageQuery.All, cancellationToken).ConfigureAwait(false))
            {
                records++;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new LedgerHealth(ledger.Spec, records, [new LedgerProblem(ledger.Spec, 0, null, ex.Message)], new Dictionary<string, string>());
        }

        return new LedgerHealth(ledger.Spec, records, [], new Dictionary<string, string>());
    }
}
