namespace TokenTrace.CodingAgents;

/// <summary>
/// One read of one history file: where to start, and what the reader found — the records (one per model response,
/// the largest usage kept when a response was written several times), the lines it skipped, and where the next read
/// of an append-only file should start.
/// </summary>
public sealed class AgentFileRead
{
    /// <summary>At most this many problems are kept with their line; the rest are only counted.</summary>
    public const int MaxProblems = 20;

    private readonly Dictionary<string, UsageRecord> _records = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly List<LedgerProblem> _problems = [];

    /// <summary>Creates a read of <paramref name="path"/> starting at byte <paramref name="startOffset"/>.</summary>
    /// <param name="path">The history file.</param>
    /// <param name="startOffset">Where the previous read of an append-only file stopped; 0 for a first or whole read.</param>
    /// <param name="state">What the reader left in <see cref="State"/> after the previous read of this file, if any.</param>
    public AgentFileRead(string path, long startOffset = 0, string? state = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(startOffset);
        Path = path;
        StartOffset = startOffset;
        EndOffset = startOffset;
        State = state;
    }

    /// <summary>The file being read.</summary>
    public string Path { get; }

    /// <summary>The byte offset the read starts at.</summary>
    public long StartOffset { get; }

    /// <summary>
    /// The byte offset just past the last complete line read: an unfinished last line (the agent is still writing it)
    /// is not counted and is read again next time.
    /// </summary>
    public long EndOffset { get; set; }

    /// <summary>
    /// Reader-specific state carried from one read of a file to the next (Codex: the model in force and the session's
    /// running totals), stored with the file's cursor.
    /// </summary>
    public string? State { get; set; }

    /// <summary>
    /// The file's last response when it may still be being written (the agent has not marked it finished): a sync of a
    /// file changed moments ago leaves it out and starts the next read at its first line, so that a partial usage is
    /// never stored in place of the complete one.
    /// </summary>
    public AgentPendingTail? PendingTail { get; set; }

    /// <summary>The 1-based number of the line the read started at (1 when <see cref="StartOffset"/> is 0).</summary>
    public long FirstLine { get; init; } = 1;

    /// <summary>Complete lines read.</summary>
    public long Lines { get; set; }

    /// <summary>Lines that carry no usage (user turns, tool results, summaries): read and passed over, not problems.</summary>
    public long Ignored { get; set; }

    /// <summary>Lines that could not be used (malformed JSON, a bad count, a torn line in the middle of the file).</summary>
    public long Skipped { get; private set; }

    /// <summary>The first <see cref="MaxProblems"/> skipped lines, each with its file, line and field.</summary>
    public IReadOnlyList<LedgerProblem> Problems => _problems;

    /// <summary>The records found, in the order their ids were first seen.</summary>
    public IReadOnlyList<UsageRecord> Records => _order.ConvertAll(id => _records[id]);

    /// <summary>
    /// Adds a record. When one with the same id was already added (one response written as several lines, or replayed
    /// by a subagent's file), the one with more tokens is kept: a partial usage is often followed by the complete one.
    /// On a tie the main conversation's copy wins over a subagent's replay.
    /// </summary>
    public void Add(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!_records.TryGetValue(record.Id, out var kept))
        {
            _records.Add(record.Id, record);
            _order.Add(record.Id);
            return;
        }

        if (LargestUsage.Prefer(record, kept))
        {
            _records[record.Id] = record;
        }
    }

    /// <summary>Counts a line that could not be used, keeping its description when fewer than <see cref="MaxProblems"/> are kept.</summary>
    public void Skip(long line, string? field, string message)
    {
        Skipped++;
        if (_problems.Count < MaxProblems)
        {
            _problems.Add(new LedgerProblem(Path, line, field, message));
        }
    }
}
