namespace TokenTrace;

/// <summary>Well-known values of <see cref="UsageRecord.Source"/>.</summary>
public static class UsageSources
{
    /// <summary>Recorded in-process through the library.</summary>
    public const string Sdk = "sdk";

    /// <summary>Recorded with <c>tokentrace record</c>.</summary>
    public const string Cli = "cli";

    /// <summary>Brought in with <c>tokentrace import</c>.</summary>
    public const string Import = "import";

    /// <summary>Read from Claude Code's transcripts (<c>~/.claude/projects</c>).</summary>
    public const string ClaudeCode = "claude-code";

    /// <summary>Read from Codex CLI's session logs (<c>~/.codex/sessions</c>).</summary>
    public const string Codex = "codex";

    /// <summary>Read from Gemini CLI's chat recordings (<c>~/.gemini/tmp/*/chats</c>).</summary>
    public const string GeminiCli = "gemini-cli";

    /// <summary>Read from OpenCode's message files (<c>~/.local/share/opencode/storage/message</c>).</summary>
    public const string OpenCode = "opencode";

    /// <summary>Read from Amp's thread files (<c>~/.local/share/amp/threads</c>).</summary>
    public const string Amp = "amp";

    /// <summary>Read from Qwen Code's chat recordings (<c>~/.qwen/projects/*/chats</c>).</summary>
    public const string QwenCode = "qwen-code";
    /// <summary>Recorded by <c>tokentrace hook kiro</c>, run by a Kiro agent hook (its prompt tokens are an estimate).</summary>
    public const string Kiro = "kiro";
}
