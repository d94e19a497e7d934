namespace TokenTrace.Analytics.DuckDb;

/// <summary>When and where a ledger's summaries are served from its DuckDB copy.</summary>
public sealed class DuckDbAnalyticsOptions
{
    /// <summary>
    /// The copy is used once the ledger holds at least this many records (default 250,000); below that the ledger's own
    /// summaries are as fast as opening a second engine. 0 uses the copy always; <see cref="long.MaxValue"/> never.
    /// </summary>
    public long MinimumRecords { get; set; } = 250_000;

    /// <summary>
    /// Whether summaries that the ledger answers from aggregates it keeps (<see cref="IPreaggregatedSummarizer"/>: the
    /// SQLite ledger's hourly rollup) go to the ledger (default true), unless the copy's own monthly or daily sums answer
    /// them too: those are smaller than an hourly rollup (at 10 M records, 0.1 s against 0.4 s for <c>--by model</c>).
    /// </summary>
    public bool PreferLedgerAggregates { get; set; } = true;

    /// <summary>
    /// How long a summary waits for another process that is bringing the copy up to date before it answers from the
    /// ledger itself instead (default 2 seconds).
    /// </summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Where the copy of the ledger at a given path lives; by default beside it, with the extension <c>.duckdb</c>
    /// (<c>usage.db</c> → <c>usage.duckdb</c>).
    /// </summary>
    public Func<string, string> DatabasePathFor { get; set; } = DefaultDatabasePath;

    /// <summary>The folder for the temporary files a catch-up loads from (default: the system's temporary folder).</summary>
    public string? TemporaryDirectory { get; set; }

    /// <summary>Records loaded per DuckDB transaction (one set of temporary files each); smaller in tests to cross chunk edges.</summary>
    internal int ChunkRecords { get; set; } = 100_000;

    /// <summary>
    /// DuckDB's buffer pool while the copy is open, in DuckDB's syntax: without a limit it takes up to 80 % of the
    /// machine's memory while loading, and an import that caught the copy up at its end peaked at 670 MB; past the limit
    /// DuckDB writes to its temporary folder. Summaries run within it too, so that reading every row does not fill memory
    /// with cached blocks (internal: a test sets it tiny).
    /// </summary>
    internal string LoadMemoryLimit { get; set; } = "160MB";

    /// <summary>
    /// DuckDB's memory for a summary whose result does not fit <see cref="LoadMemoryLimit"/> (a query holds its whole
    /// result: 1.4 million (job, day) groups need more): it runs once more with this. A quarter of the machine's memory,
    /// between 160 MB and 2 GB. Past it the ledger answers that summary (internal: a test sets it tiny).
    /// </summary>
    internal string QueryMemoryLimit { get; set; } = DefaultQueryMemoryLimit();

    /// <summary>The default <see cref="DatabasePathFor"/>.</summary>
    public static string DefaultDatabasePath(string ledgerPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(ledgerPath);
        return ledgerPath.EndsWith(".duckdb", StringComparison.OrdinalIgnoreCase)
            ? ledgerPath + ".analytics.duckdb"
            : Path.ChangeExtension(ledgerPath, ".duckdb");
    }

    private static string DefaultQueryMemoryLimit()
    {
        var quarter = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4 / (1024 * 1024);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Clamp(quarter, 160, 2_048)}MB");
    }
}
