using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Settings of a <see cref="PostgreSqlUsageLedger"/> beyond its URL: when the tables of sums are folded, where the ledger
/// logs and the clock it reads. Copied when the ledger is built. The fold thresholds can also be given in the URL
/// (<c>?fold_after=…&amp;summary_fold_after=…</c>), which wins over these.
/// </summary>
public sealed class PostgreSqlLedgerOptions
{
    /// <summary>The default of <see cref="FoldAfterRecords"/>.</summary>
    public const long DefaultFoldAfterRecords = 100_000;

    /// <summary>The default of <see cref="SummaryFoldAfterRecords"/>.</summary>
    public const long DefaultSummaryFoldAfterRecords = 20_000;

    /// <summary>
    /// The number of records past the sums' watermark at which an append, once committed, starts a fold of them in the
    /// background (at least 1; URL option <c>fold_after</c>). Larger: fewer, larger folds, and a longer tail that summaries
    /// read as rows.
    /// </summary>
    public long FoldAfterRecords { get; set; } = DefaultFoldAfterRecords;

    /// <summary>
    /// The number of records past the sums' watermark at which a summary answered from the sums folds them before it
    /// reads (at least 1; URL option <c>summary_fold_after</c>). Budget reservations never fold.
    /// </summary>
    public long SummaryFoldAfterRecords { get; set; } = DefaultSummaryFoldAfterRecords;

    /// <summary>Where the ledger logs (a fold that keeps failing, once per distinct error).</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>The clock the ledger's back-off after a failed fold reads.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
