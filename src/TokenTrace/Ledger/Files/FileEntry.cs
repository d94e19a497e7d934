namespace TokenTrace;

/// <summary>One entry of a ledger file: a record, or the problem that kept a line from being one; with its raw text for rewrites.</summary>
internal readonly record struct FileEntry(UsageRecord? Record, LedgerProblem? Problem, string RawText, long Line, bool Complete);
