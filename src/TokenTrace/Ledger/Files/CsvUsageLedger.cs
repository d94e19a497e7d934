namespace TokenTrace;

/// <summary>
/// A ledger of RFC 4180 rows under a header in one file that opens in spreadsheet tools; cells that could run as formulas are neutralised. Large files rotate into <c>NAME-archive/</c> and can be gzipped and pruned.
/// Safe for several processes appending at once; a torn last line is skipped and reported, never fatal.
/// </summary>
/// <remarks>
/// Durability: <see cref="AppendAsync"/> returns after the batch is written and flushed to disk (fsync, and the
/// folder too when the append created a file) under the ledger lock, so an acknowledged record survives a crash of
/// the process, of the operating system and a power cut, as long as the disk honours flushes. A writer killed
/// mid-append leaves at most a torn last line from its unacknowledged batch.
/// </remarks>
public sealed class CsvUsageLedger : IUsageLedger, IUsageSummarizer, ICostReviser, ILedgerHealthCheck, ILedgerMaintenance, IBudgetStore, IBudgetReservations
{
    private readonly FileLedgerEngine _engine;
    private readonly FileBudgetStore _budgets;
    private readonly FileBudgetReservations _reservations;

    /// <summary>Opens (or prepares to create) the ledger.</summary>
    /// <param name="path">The CSV file; created with owner-only permissions.</param>
    /// <param name="options">Rotation, retention and problem reporting.</param>
    public CsvUsageLedger(string path, FileLedgerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        options ??= new FileLedgerOptions();
        _engine = new FileLedgerEngine(Path, daily: false, CsvFormat.Instance, options);
        _budgets = new FileBudgetStore(Path + ".budgets.json", Path + ".lock", options.LockTimeout);
        _reservations = new FileBudgetReservations(Path + ".reservations.json", _engine);
    }

    /// <summary>The ledger's location.</summary>
    public string Path { get; }

    /// <summary>Whether anything of this ledger is on disk yet (its file or folder, or rotated archives).</summary>
    internal bool Exists => _engine.Exists;

    /// <inheritdoc/>
    public string Spec => "csv:" + Path;

    /// <inheritdoc/>
    public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
        _engine.AppendAsync(records ?? throw new ArgumentNullException(nameof(records)), cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) =>
        _engine.ReadAsync(query ?? throw new ArgumentNullException(nameof(query)), cancellationToken);

    /// <inheritdoc/>
    public Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default) =>
        UsageSummaries.FromRecordsAsync(ReadAsync(query, cancellationToken), by, timeZone);

    /// <inheritdoc/>
    public Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken = default) =>
        _engine.ReviseCostsAsync(revisions ?? throw new ArgumentNullException(nameof(revisions)), cancellationToken);

    /// <inheritdoc/>
    public Task<LedgerHealth> CheckAsync(CancellationToken cancellationToken = default) => _engine.CheckAsync(Spec, cancellationToken);

    /// <inheritdoc/>
    public Task<LedgerMaintenanceResult> MaintainAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _engine.MaintainAsync(now, cancellationToken);

    /// <inheritdoc/>
    public Task<int> QuarantineAsync(CancellationToken cancellationToken = default) => _engine.QuarantineAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default) => _budgets.ListAsync(cancellationToken);

    /// <inheritdoc/>
    public Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default) =>
        _budgets.SaveAsync(budget ?? throw new ArgumentNullException(nameof(budget)), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> RemoveBudgetAsync(string name, CancellationToken cancellationToken = default) => _budgets.RemoveAsync(name, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> MarkAlertAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        _budgets.MarkAsync(budget, periodKey, alert, cancellationToken);

    /// <inheritdoc/>
    public Task<BudgetReservationResult> TryReserveAsync(Budget budget, BudgetWindow window, decimal amount, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        _reservations.TryReserveAsync(budget, window, amount, now, ttl, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SettleAsync(string reservationId, CancellationToken cancellationToken = default) => _reservations.SettleAsync(reservationId, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<LedgerReservation>> ListReservationsAsync(CancellationToken cancellationToken = default) => _reservations.ListAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<bool> IsAlertMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        _budgets.IsMarkedAsync(budget, periodKey, alert, cancellationToken);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
