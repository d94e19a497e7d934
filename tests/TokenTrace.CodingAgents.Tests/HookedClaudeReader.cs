namespace TokenTrace.CodingAgents.Tests;

/// <summary>
/// Claude Code's reader with a hook around each file's read: a test holds one file back until a signal, or counts what
/// was read, to see the order in which the sync reads and applies files.
/// </summary>
internal sealed class HookedClaudeReader(Action<string>? before = null, Action<string>? after = null) : IAgentHistoryReader
{
    private readonly ClaudeCodeReader _inner = new();

    public string Source => _inner.Source;

    public bool AppendOnly => _inner.AppendOnly;

    public IReadOnlyList<string> FindRoots(AgentEnvironment environment) => _inner.FindRoots(environment);

    public IEnumerable<string> FindFiles(string root) => _inner.FindFiles(root);

    public void Read(AgentFileRead read)
    {
        before?.Invoke(read.Path);
        _inner.Read(read);
        after?.Invoke(read.Path);
    }
}
