namespace TokenTrace;

/// <summary>Rotation, archiving and retention of a JSONL or CSV ledger, and where read problems are reported.</summary>
public sealed record FileLedgerOptions
{
    /// <summary>Compress files into <c>archive/</c> with gzip once they are this many days old (JSONL day files, rotated CSV files). Null keeps them as they are.</summary>
    public int? CompressAfterDays { get; init; }

    /// <summary>Delete files (archived or not) whose newest day is older than this many days. Null keeps everything.</summary>
    public int? RetentionDays { get; init; }

    /// <summary>Start a new CSV file (or JSONL part) when the active one exceeds this size. Null never rotates by size.</summary>
    public long? MaxFileBytes { get; init; }

    /// <summary>How long an append waits for another writer's lock.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most ids the append-side indexes of one ledger instance hold together (about 100 MB of strings at the
    /// default); past it the indexes of the files appended to least recently are dropped and read again when needed.
    /// Internal so tests can make it small.
    /// </summary>
    internal long MaxIndexedIds { get; init; } = 1 << 20;

    /// <summary>Called for every torn or malformed line met while reading (it is skipped).</summary>
    public Action<LedgerProblem>? OnProblem { get; init; }
}
