namespace TokenTrace.CodingAgents;

/// <summary>Which of two records with the same id to keep.</summary>
public static class LargestUsage
{
    /// <summary>
    /// Whether <paramref name="candidate"/> should replace <paramref name="kept"/>: it has more tokens in total, or as
    /// many and more output (the final line of a response), or the same usage and it belongs to the main conversation
    /// while the kept one is a subagent's replay.
    /// </summary>
    public static bool Prefer(UsageRecord candidate, UsageRecord kept)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(kept);
        return Prefer(candidate.Tokens, candidate.Attribution.Agent, kept.Tokens, kept.Attribution.Agent);
    }

    /// <summary>The same rule over the parts it reads, before a record is made for the candidate.</summary>
    internal static bool Prefer(TokenCounts a, string? agentA, TokenCounts b, string? agentB)
    {
        if (a.Total != b.Total)
        {
            return a.Total > b.Total;
        }

        if (a.Output != b.Output)
        {
            return a.Output > b.Output;
        }

        return agentA == ClaudeCodeReader.MainAgent && agentB != ClaudeCodeReader.MainAgent;
    }
}
