namespace TokenTrace;

/// <summary>
/// One entry of a ledger file: a record, or the problem that kept a line from being one; with its raw bytes for
/// rewrites. <paramref name="Verified"/> tells that the line's checksum vouched for the record; <paramref name="IsHeader"/>
/// marks a CSV header row (kept by rewrites) or a problem with it.
/// </summary>
internal readonly record struct FileEntry(UsageRecord? Record, LedgerProblem? Problem, byte[] Raw, long Line, bool Complete, bool Verified = false, bool IsHeader = false);
