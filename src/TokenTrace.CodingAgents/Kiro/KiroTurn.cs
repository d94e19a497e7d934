namespace TokenTrace.CodingAgents;

/// <summary>One Kiro turn in progress: a prompt submitted in a workspace and not yet answered (the agent has not stopped).</summary>
/// <param name="Id">The turn's identity; both records of the turn carry it in their <c>turn</c> tag.</param>
/// <param name="Workspace">The full path of the workspace folder.</param>
/// <param name="SubmittedAt">When the prompt was submitted (UTC).</param>
public sealed record KiroTurn(string Id, string Workspace, DateTimeOffset SubmittedAt);
