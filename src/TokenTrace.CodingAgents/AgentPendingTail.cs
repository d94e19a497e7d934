namespace TokenTrace.CodingAgents;

/// <summary>A file's last response, which may still be being written, and where its first line starts.</summary>
/// <param name="RecordId">The record it would make.</param>
/// <param name="Offset">The byte offset of its first line.</param>
/// <param name="Line">The 1-based number of its first line.</param>
public sealed record AgentPendingTail(string RecordId, long Offset, long Line);
