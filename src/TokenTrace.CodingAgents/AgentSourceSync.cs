namespace TokenTrace.CodingAgents;

/// <summary>What one sync did for one agent's history.</summary>
public sealed class AgentSourceSync
{
    private readonly List<LedgerProblem> _problems = [];

    internal AgentSourceSync(string source) => Source = source;

    /// <summary>The agent (<see cref="IAgentHistoryReader.Source"/>).</summary>
    public string Source { get; }

    /// <summary>History files found.</summary>
    public int Files { get; internal set; }

    /// <summary>Files read because they were new or had changed since the last sync.</summary>
    public int FilesRead { get; internal set; }

    /// <summary>Bytes read.</summary>
    public long BytesRead { get; internal set; }

    /// <summary>Records found in what was read (responses; several lines of one response are one record).</summary>
    public long Records { get; internal set; }

    /// <summary>Records newly stored.</summary>
    public long Added { get; internal set; }

    /// <summary>Records the ledger already had (read again after a file was replaced, or replayed by a subagent).</summary>
    public long Duplicates { get; internal set; }

    /// <summary>Responses left for the next sync because the agent may still be writing them.</summary>
    public long Pending { get; internal set; }

    /// <summary>Lines that could not be used.</summary>
    public long Skipped { get; internal set; }

    /// <summary>The first <see cref="AgentFileRead.MaxProblems"/> skipped lines with file, line and field.</summary>
    public IReadOnlyList<LedgerProblem> Problems => _problems;

    internal void Refuse(LedgerProblem problem)
    {
        Skipped++;
        if (_problems.Count < AgentFileRead.MaxProblems)
        {
            _problems.Add(problem);
        }
    }

    internal void Note(AgentFileRead read)
    {
        Skipped += read.Skipped;
        foreach (var problem in read.Problems)
        {
            if (_problems.Count < AgentFileRead.MaxProblems)
            {
                _problems.Add(problem);
            }
        }
    }
}
