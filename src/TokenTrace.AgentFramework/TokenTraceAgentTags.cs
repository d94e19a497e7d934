namespace TokenTrace.AgentFramework;

/// <summary>The tags <see cref="TokenTraceAgent"/> puts on records.</summary>
public static class TokenTraceAgentTags
{
    /// <summary>The run a record belongs to (a UUIDv7 per run), on every model call made inside it.</summary>
    public const string Run = "tokentrace.run";

    /// <summary>
    /// The value of the <c>tokentrace.usage</c> tag on a record made from a run's own usage, because no model call in
    /// the run was recorded by an instrumented chat client: one record for the whole run, its model calls summed.
    /// </summary>
    public const string RunUsage = "agent-run";
}
