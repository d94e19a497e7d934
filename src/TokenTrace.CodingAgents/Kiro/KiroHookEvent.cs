namespace TokenTrace.CodingAgents;

/// <summary>One run of a Kiro agent hook's command, as <c>tokentrace hook kiro</c> sees it.</summary>
public sealed record KiroHookEvent
{
    /// <summary>The hook's trigger (<c>when.type</c>): <see cref="KiroHook.PromptSubmit"/>, <see cref="KiroHook.AgentStop"/> or another.</summary>
    public required string Trigger { get; init; }

    /// <summary>The full path of the workspace folder (Kiro runs a hook's command there).</summary>
    public required string Workspace { get; init; }

    /// <summary>The hook's name, when the command line gives it.</summary>
    public string? HookName { get; init; }

    /// <summary>The submitted prompt (Kiro's <c>USER_PROMPT</c>), or null when Kiro gave none.</summary>
    public string? Prompt { get; init; }

    /// <summary>The model the records name; Kiro does not tell which one answered.</summary>
    public string Model { get; init; } = KiroHook.DefaultModel;

    /// <summary>When the hook ran (UTC).</summary>
    public required DateTimeOffset At { get; init; }
}
