namespace TokenTrace;

/// <summary>
/// A ledger of one JSON object per line, one file per UTC day (<c>2026-11-23.jsonl</c>) in a folder; older days can be gzipped into <c>archive/</c> and pruned by retention.
/// Safe for several processes appending at once; a torn last line is skipped and reported, never fatal.
/// </summary>
public sealed class JsonlUsageLedger : IUsageLedger, ILedgerMaintenance
{
    private readonly FileLedgerEngine _engine;

    /// <summary>Opens (or prepares to create) the ledger.</summary>
    /// <param name="directory">The folder of day files; created with owner-only permissions.</param>
    /// <param name="options">Rotation, retention and problem reporting.</param>
    public JsonlUsageLedger(string directory, FileLedgerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Path = System.IO.Path.GetFullPath(directory);
        _engine = new FileLedgerEngine(Path, daily: true, JsonLinesFormat.Instance, options ?? new FileLedgerOptions());
    }

    /// <summary>The ledger's location.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public string Spec => "jsonl:" + Path;

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
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
