using TokenTrace.CodingAgents;

namespace TokenTrace.Cli;

/// <summary>
/// Where a hook's sync looks for Claude Code's transcripts: where <c>tokentrace sync</c> looks, plus the configuration
/// folder of the transcript the hook was told about when that is elsewhere (Claude Code started with a
/// <c>CLAUDE_CONFIG_DIR</c> this process does not see), so the session the hook is about is always read.
/// </summary>
internal static class HookEnvironment
{
    private const string ConfigVariable = "CLAUDE_CONFIG_DIR";

    public static AgentEnvironment For(ClaudeCodeHookInput input)
    {
        var current = AgentEnvironment.Current;
        if (input.TranscriptPath is not { } transcript || ConfigFolderOf(transcript) is not { } folder)
        {
            return current;
        }

        var roots = new ClaudeCodeReader().FindRoots(current);
        var projects = Path.Combine(folder, "projects");
        if (roots.Any(root => string.Equals(Path.GetFullPath(root), projects, StringComparison.Ordinal)))
        {
            return current;
        }

        // The variable lists folders separated by commas: the known ones, then this one.
        var folders = roots.Select(root => Path.GetDirectoryName(Path.GetFullPath(root))!).Append(folder);
        var configured = string.Join(',', folders);
        return new AgentEnvironment(current.Home, name => name == ConfigVariable ? configured : current.Variable(name));
    }

    /// <summary>The Claude configuration folder of <c>FOLDER/projects/PROJECT/SESSION.jsonl</c>, or null for any other shape.</summary>
    private static string? ConfigFolderOf(string transcript)
    {
        var full = Path.GetFullPath(transcript);
        var project = Path.GetDirectoryName(full);
        var projects = project is null ? null : Path.GetDirectoryName(project);
        if (projects is null || Path.GetFileName(projects) != "projects" || Path.GetDirectoryName(projects) is not { } folder || folder.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        return folder;
    }
}
