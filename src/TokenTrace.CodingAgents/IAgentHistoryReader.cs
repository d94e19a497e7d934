namespace TokenTrace.CodingAgents;

/// <summary>
/// Turns one coding agent's local history files into usage records. Adding an agent is one class implementing this:
/// where its files are, whether they only grow, and how one file (or the new part of it) reads.
/// </summary>
public interface IAgentHistoryReader
{
    /// <summary>The <see cref="UsageRecord.Source"/> of every record this reader makes (<c>claude-code</c>, <c>codex</c>…).</summary>
    string Source { get; }

    /// <summary>
    /// <see langword="true"/> when the agent only appends to its files, so a later read can start at the byte offset where
    /// the previous one stopped; <see langword="false"/> when it rewrites a file whole (read whole, keyed by message id).
    /// </summary>
    bool AppendOnly { get; }

    /// <summary>The folders this agent keeps its history in on this machine (existing or not), from the environment.</summary>
    IReadOnlyList<string> FindRoots(AgentEnvironment environment);

    /// <summary>The history files under one root, in a stable order.</summary>
    IEnumerable<string> FindFiles(string root);

    /// <summary>
    /// Other files whose size and modification time count as the history file's own when telling whether it changed
    /// (a SQLite database's <c>-wal</c> file, written long before the database file itself). None by default.
    /// </summary>
    IEnumerable<string> ChangesAlsoIn(string file) => [];

    /// <summary>
    /// Reads <see cref="AgentFileRead.Path"/> from <see cref="AgentFileRead.StartOffset"/>, adding records and counting
    /// lines it could not use to <paramref name="read"/>. Never throws for bad content: a malformed or torn line is a
    /// counted skip (an unfinished last line is left for the next read); only I/O failures escape.
    /// </summary>
    void Read(AgentFileRead read);
}
