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
        var (a, b) = (candidate.Tokens, kept.Tokens);
        if (a.Total != b.Total)
        {
            return a.Total > b.Total;
        }

        if (a.Output != b.Output)
        {
            return a.Output > b.Output;
        }

        return IsMain(candidate) && !IsMain(kept);
    }

    private static bool IsMain(UsageRecord record) => record.Attribution.Agent == ClaudeCodeReader.MainAgent;
}
