namespace TokenTrace.CodingAgents;

/// <summary>
/// What a reader needs to know about the machine to find an agent's history: the home folder and the environment
/// variables (<c>CLAUDE_CONFIG_DIR</c>, <c>CODEX_HOME</c>, <c>GEMINI_DATA_DIR</c>, <c>OPENCODE_DATA_DIR</c>,
/// <c>AMP_DATA_DIR</c>, <c>QWEN_DATA_DIR</c>, <c>XDG_DATA_HOME</c>…). Tests give their own.
/// </summary>
public sealed class AgentEnvironment
{
    private readonly Func<string, string?> _variable;

    /// <summary>Creates an environment with the given home folder and variable lookup.</summary>
    public AgentEnvironment(string home, Func<string, string?> variable)
    {
        ArgumentException.ThrowIfNullOrEmpty(home);
        ArgumentNullException.ThrowIfNull(variable);
        Home = home;
        _variable = variable;
    }

    /// <summary>This process's environment and the user's home folder.</summary>
    public static AgentEnvironment Current { get; } =
        new(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Environment.GetEnvironmentVariable);

    /// <summary>The user's home folder.</summary>
    public string Home { get; }

    /// <summary>An environment variable's value, or <see langword="null"/> when it is unset or blank.</summary>
    public string? Variable(string name) => _variable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>The folders a variable names, comma-separated (as ccusage reads them), or <see langword="null"/> when it is unset.</summary>
    internal IReadOnlyList<string>? Folders(string name) =>
        Variable(name) is { } value ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;

    /// <summary>
    /// The XDG data folder (<c>XDG_DATA_HOME</c>, or <c>~/.local/share</c>) where agents written for Node keep their data;
    /// a relative value is ignored, as the XDG specification says.
    /// </summary>
    internal string DataHome =>
        Variable("XDG_DATA_HOME") is { } configured && Path.IsPathFullyQualified(configured) ? configured : Path.Combine(Home, ".local", "share");
}
