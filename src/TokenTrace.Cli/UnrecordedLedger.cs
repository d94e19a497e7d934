namespace TokenTrace.Cli;

/// <summary>
/// Stands in for the default ledger before anything has been recorded, for commands that only read: a fresh install
/// answers with empty totals (and the budgets of the config file) instead of an error, and no file is created.
/// </summary>
internal sealed class UnrecordedLedger(string spec) : IUsageLedger, IBudgetStore
{
    public string Spec { get; } = spec;

    public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("a ledger opened to read cannot be written; open it with OpenLedgerForWriting");

#pragma warning disable CS1998 // An empty stream: nothing to await.
    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield break;
    }
#pragma warning restore CS1998

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public Task<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<Budget>>([]);

    public Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("a ledger opened to read cannot keep budgets; open it with OpenLedgerForWriting");

    public Task<bool> RemoveBudgetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(false);

    // Nothing is kept, so an alert due on empty usage (a 0 % threshold) is sent and, with nothing to mark, sent again
    // next time; it stops being due once a record creates the ledger that remembers it.
    public Task<bool> MarkAlertAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public Task<bool> IsAlertMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
