namespace TokenTrace.LoadTest;

/// <summary>What one <c>tokentrace push</c> process reported: its exit code, records sent, newly stored, already held, and its standard error.</summary>
internal sealed record PushReceipt(string Device, int ExitCode, long Pushed, long Stored, long Duplicates, string Error);
