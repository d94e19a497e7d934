namespace TokenTrace.Hosting;

/// <summary>
/// The <c>files:</c> section: rotation, archiving and retention of JSONL and CSV ledgers. A settable mirror of
/// <see cref="FileLedgerOptions"/>, whose init-only properties the configuration binder's generated code cannot set.
/// </summary>
public sealed class FileLedgerSettings
{
    /// <summary>Compress files into <c>archive/</c> once they are this many days old; null keeps them as they are.</summary>
    public int? CompressAfterDays { get; set; }

    /// <summary>Delete files whose newest day is older than this many days; null keeps everything.</summary>
    public int? RetentionDays { get; set; }

    /// <summary>Start a new file when the active one exceeds this size; null never rotates by size.</summary>
    public long? MaxFileBytes { get; set; }

    /// <summary>How long an append waits for another writer's lock; null keeps the ledger's default.</summary>
    public TimeSpan? LockTimeout { get; set; }

    /// <summary>The ledger options these settings describe.</summary>
    public FileLedgerOptions ToFileLedgerOptions()
    {
        var options = new FileLedgerOptions { CompressAfterDays = CompressAfterDays, RetentionDays = RetentionDays, MaxFileBytes = MaxFileBytes };
        return LockTimeout is { } timeout ? options with { LockTimeout = timeout } : options;
    }
}
