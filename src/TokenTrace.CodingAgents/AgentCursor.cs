namespace TokenTrace.CodingAgents;

/// <summary>Where the last sync left one history file.</summary>
/// <param name="Size">The file's length then.</param>
/// <param name="ModifiedTicks">Its last-write time then (UTC ticks).</param>
/// <param name="Offset">The byte offset the next read starts at (append-only files).</param>
/// <param name="NextLine">The 1-based number of the line at <paramref name="Offset"/>.</param>
/// <param name="Head">A hash of the file's first bytes (up to 4 KB, at most <paramref name="Offset"/>): a file replaced by
/// another one, even a longer one, is read from the start.</param>
/// <param name="State">The reader's state after that read (<see cref="AgentFileRead.State"/>).</param>
internal sealed record AgentCursor(long Size, long ModifiedTicks, long Offset, long NextLine, string Head, string? State);
