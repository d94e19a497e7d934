using TokenTrace.CodingAgents;

namespace TokenTrace.Cli;

/// <summary>
/// Which Claude Code session "the current one" is, for <c>tokentrace session --current</c> (the plugin's /session
/// command): <c>CLAUDE_CODE_SESSION_ID</c> when it is set (unverified: Claude Code's documentation does not list it), else
/// the latest Claude Code session recorded for the working folder's project (with two sessions in one folder, possibly
/// the other one).
/// </summary>
internal static class CurrentSession
{
    public const string Variable = "CLAUDE_CODE_SESSION_ID";

    public static async Task<string> ResolveAsync(IUsageLedger ledger, CancellationToken cancellationToken)
    {
        if (AgentEnvironment.Current.Variable(Variable) is { } fromAgent)
        {
            return fromAgent.Trim();
        }

        var folder = Environment.CurrentDirectory;
        UsageRecord? latest = null;
        await foreach (var record in ledger.ReadAsync(new UsageQuery { Source = UsageSources.ClaudeCode, Project = folder }, cancellationToken).ConfigureAwait(false))
        {
            if (record.Attribution.Session is not null && (latest is null || record.Timestamp > latest.Timestamp))
            {
                latest = record;
            }
        }

        return latest?.Attribution.Session
            ?? throw new CliInputException($"--current: {Variable} is not set and no Claude Code session is recorded for {folder}; name one with --session ID");
    }
}
