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

    /// <summary>
    /// For a store opening <paramref name="spec"/>: throws <see cref="LedgerNotFoundException"/> when
    /// <see cref="OpenExistingOnly"/> is set, the store says its ledger does not exist (<paramref name="exists"/>), and
    /// nothing at all is at the location. Something of the wrong kind there (a file where a folder belongs) is left to the
    /// store, whose message says what it found, which says more than "does not exist".
    /// </summary>
    /// <param name="spec">The spec being opened.</param>
    /// <param name="exists">Whether the store found its ledger (false for a store that only knows its path).</param>
    /// <exception cref="LedgerNotFoundException">The ledger does not exist and must not be created.</exception>
    public void ThrowIfMissing(LedgerSpec spec, bool exists = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (OpenExistingOnly && !exists && NothingAt(spec.Location))
        {
            throw new LedgerNotFoundException(spec.ToString(), spec.Location);
        }
    }

    /// <summary>Whether nothing is at <paramref name="path"/> and its nearest existing ancestor is a folder.</summary>
    private static bool NothingAt(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full) || Directory.Exists(full))
        {
            return false;
        }

        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir))
            {
                return true;
            }

            if (File.Exists(dir))
            {
                return false;
            }
        }

        return true;
    }
}
