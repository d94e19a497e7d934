using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>What a ledger being opened from its spec may use: file options, logging and time.</summary>
public sealed record LedgerOpenContext
{
    /// <summary>Rotation, retention, lock timeout and problem reporting, for file-based stores.</summary>
    public FileLedgerOptions Files { get; init; } = new();

    /// <summary>Where the store logs.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock the store reads.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Open a ledger that already exists, and throw <see cref="LedgerNotFoundException"/> instead of creating one. For
    /// readers (reports, summaries, checks): a mistyped path must be an error, not an empty ledger left behind. Stores
    /// that create files or folders honour it; a server-backed store has nothing to create and may ignore it.
    /// </summary>
    public bool OpenExistingOnly { get; init; }
}
