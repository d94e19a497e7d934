namespace TokenTrace.Cli;

/// <summary>The budgets in effect: those kept in the ledger, plus those in the config file that the ledger does not override.</summary>
internal static class BudgetSource
{
    public static async Task<IReadOnlyList<Budget>> AllAsync(CliContext context, IUsageLedger ledger, CancellationToken cancellationToken)
    {
        var stored = ledger.GetService<IBudgetStore>() is { } store ? await store.ListBudgetsAsync(cancellationToken).ConfigureAwait(false) : [];
        return [.. stored.Concat(context.Settings.BuildBudgets().Where(c => stored.All(s => s.Name != c.Name))).OrderBy(b => b.Name, StringComparer.Ordinal)];
    }
}
