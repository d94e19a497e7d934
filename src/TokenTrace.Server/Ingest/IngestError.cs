namespace TokenTrace.Server;

/// <summary>Why one line (JSONL) or element (JSON array, numbered from 1) of a batch was refused.</summary>
internal sealed record IngestError(long Line, string? Field, string Message);
