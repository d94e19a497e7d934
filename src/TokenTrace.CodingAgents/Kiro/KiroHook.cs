using System.Globalization;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Turns Kiro agent-hook runs into usage records. Kiro shows its hooks no token counts, so a <c>promptSubmit</c> record
/// carries the prompt's input tokens counted with <see cref="PromptTokenEstimator"/> (tagged <c>estimate=o200k_base</c>),
/// and an <c>agentStop</c> record carries no tokens but the turn's elapsed time in <see cref="UsageRecord.LatencyMs"/>.
/// Both name the workspace, trigger, hook and turn in tags, and what went wrong in an <c>error</c> tag.
/// </summary>
public sealed class KiroHook
{
    /// <summary>The trigger Kiro runs a hook with when the user submits a prompt (the prompt is in <c>USER_PROMPT</c>).</summary>
    public const string PromptSubmit = "promptSubmit";

    /// <summary>The trigger Kiro runs a hook with when the agent has finished its turn.</summary>
    public const string AgentStop = "agentStop";

    /// <summary>The model records name unless configured: Kiro bills credits and does not say which model answered, so it is unpriced.</summary>
    public const string DefaultModel = "kiro";

    private readonly KiroTurnStore _turns;
    private readonly PromptTokenEstimator? _estimator;

    /// <summary>Creates a hook handler keeping turns in <paramref name="turns"/>.</summary>
    /// <param name="turns">Where a prompt's turn waits for the agent's stop.</param>
    /// <param name="estimator">The token counter; null loads <see cref="PromptTokenEstimator.Shared"/> when a prompt is counted.</param>
    public KiroHook(KiroTurnStore turns, PromptTokenEstimator? estimator = null)
    {
        ArgumentNullException.ThrowIfNull(turns);
        _turns = turns;
        _estimator = estimator;
    }

    /// <summary>The record of one hook run (a prompt submitted starts a turn, an agent stop ends it).</summary>
    public UsageRecord Record(KiroHookEvent hookEvent)
    {
        ArgumentNullException.ThrowIfNull(hookEvent);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trigger"] = hookEvent.Trigger,
            ["workspace"] = hookEvent.Workspace,
        };
        if (!string.IsNullOrWhiteSpace(hookEvent.HookName))
        {
            tags["hook"] = hookEvent.HookName;
        }

        var at = hookEvent.At.ToUniversalTime();
        string turnId;
        var tokens = TokenCounts.Zero;
        double? latencyMs = null;
        string? status = null;
        if (hookEvent.Trigger == PromptSubmit)
        {
            var turn = _turns.Begin(hookEvent.Workspace, at, out var unfinished);
            turnId = turn.Id;
            if (unfinished)
            {
                // The previous turn's stop never came (Kiro closed, the turn was cancelled): its elapsed time is unknown.
                AddError(tags, "previous-turn-unfinished");
            }

            if (hookEvent.Prompt is { } prompt)
            {
                tokens = new TokenCounts { Input = (_estimator ?? PromptTokenEstimator.Shared).Count(prompt) };
                tags["estimate"] = PromptTokenEstimator.EncodingName;
            }
            else
            {
                // Zero tokens here are not a count: the error tag says so, and no estimate tag claims one.
                AddError(tags, "no-USER_PROMPT");
            }
        }
        else if (hookEvent.Trigger == AgentStop)
        {
            var turn = _turns.End(hookEvent.Workspace, out var problem);
            turnId = turn?.Id ?? UsageRecord.NewId();
            if (turn is not null && at < turn.SubmittedAt)
            {
                problem = "clock-went-back";
            }
            else if (turn is not null)
            {
                latencyMs = Math.Round((at - turn.SubmittedAt).TotalMilliseconds, 3);
                status = "ok";
            }

            if (problem is not null)
            {
                AddError(tags, problem);
            }
        }
        else
        {
            turnId = UsageRecord.NewId();
        }

        tags["turn"] = turnId;
        return new UsageRecord
        {
            Id = string.Create(CultureInfo.InvariantCulture, $"kiro:{turnId}:{hookEvent.Trigger}"),
            Timestamp = at,
            Model = hookEvent.Model,
            Tokens = tokens,
            Attribution = new Attribution { Project = ProjectOf(hookEvent.Workspace), Agent = "kiro", Tags = tags },
            Source = UsageSources.Kiro,
            LatencyMs = latencyMs,
            Status = status,
        };
    }

    // Both problems of a run are kept (comma-separated), so neither hides the other.
    private static void AddError(Dictionary<string, string> tags, string error) =>
        tags["error"] = tags.TryGetValue("error", out var earlier) ? earlier + "," + error : error;

    // The project is the workspace folder's name (as Claude Code's project is its folder), the full path is in a tag.
    private static string ProjectOf(string workspace)
    {
        var trimmed = workspace.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return Path.GetFileName(trimmed) is { Length: > 0 } name ? name : workspace;
    }
}
