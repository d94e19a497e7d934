using System.Globalization;
using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads Codex CLI's session logs: JSONL files under <c>sessions/</c> and <c>archived_sessions/</c> of
/// <c>CODEX_HOME</c> (default <c>~/.codex</c>).
/// </summary>
/// <remarks>
/// <para>Each <c>event_msg</c> of type <c>token_count</c> is one record: its <c>last_token_usage</c> is the turn's
/// usage; when that is missing, the difference of the cumulative <c>total_token_usage</c> from the previous event's; an
/// event whose total equals the previous one is a repeat and is passed over. The model comes from the event
/// (<c>info.model</c>) or the latest <c>turn_context</c>; the session id and working folder (the project) from
/// <c>session_meta</c>. These carry from one read of a file to the next in <see cref="AgentFileRead.State"/>.</para>
/// <para>OpenAI's convention (<see cref="OpenAIUsageNormalizer"/>): <c>input_tokens</c> includes
/// <c>cached_input_tokens</c>, and reasoning tokens are inside <c>output_tokens</c>. A log that never names its model
/// (early Codex versions) is recorded as <see cref="AssumedModel"/> with the tag <c>model=assumed</c>.</para>
/// </remarks>
public sealed class CodexReader : IAgentHistoryReader
{
    /// <summary>The model recorded when a log never names one: what Codex used by default when it did not write it.</summary>
    public const string AssumedModel = "gpt-5";

    /// <inheritdoc/>
    public string Source => UsageSources.Codex;

    /// <inheritdoc/>
    public bool AppendOnly => true;

    /// <inheritdoc/>
    public IReadOnlyList<string> FindRoots(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var home = environment.Variable("CODEX_HOME") ?? Path.Combine(environment.Home, ".codex");
        return [Path.Combine(home, "sessions"), Path.Combine(home, "archived_sessions")];
    }

    /// <inheritdoc/>
    public IEnumerable<string> FindFiles(string root) => HistoryFiles.Under(root, "*.jsonl");

    /// <inheritdoc/>
    public void Read(AgentFileRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var state = CodexState.Parse(read.State) ?? new CodexState { Session = Path.GetFileNameWithoutExtension(read.Path) };
        JsonLineScanner.Scan(read, (line, number, offset) => ReadLine(read, state, line, number, offset));
        read.State = state.ToString();
    }

    private static void ReadLine(AgentFileRead read, CodexState state, ReadOnlySpan<byte> line, long number, long offset)
    {
        if (AgentJson.ParseLine(read, line, number) is not { } document)
        {
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
            {
                read.Ignored++;
                return;
            }

            var type = AgentJson.Text(root, "type");
            if (type == "session_meta")
            {
                state.Session = AgentJson.Text(payload, "id") ?? state.Session;
                state.Cwd = AgentJson.Text(payload, "cwd") ?? state.Cwd;
                read.Ignored++;
                return;
            }

            if (type == "turn_context")
            {
                state.Model = AgentJson.Text(payload, "model") ?? state.Model;
                state.Cwd ??= AgentJson.Text(payload, "cwd");
                read.Ignored++;
                return;
            }

            if (type != "event_msg" || AgentJson.Text(payload, "type") != "token_count"
                || !payload.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object)
            {
                read.Ignored++;
                return;
            }

            try
            {
                ReadTokenCount(read, state, root, info, number, offset);
            }
            catch (UsageFormatException ex)
            {
                read.Skip(number, ex.Field, ex.Message);
            }
        }
    }

    private static void ReadTokenCount(AgentFileRead read, CodexState state, JsonElement root, JsonElement info, long number, long offset)
    {
        var total = Counts(info, "total_token_usage");
        var last = Counts(info, "last_token_usage");
        if (total is not null && total == state.Totals)
        {
            read.Ignored++;
            return;
        }

        var delta = last ?? (total is { } t ? t.Minus(state.Totals ?? CodexCounts.Zero, "info.total_token_usage") : null);
        if (total is not null)
        {
            state.Totals = total;
        }

        if (delta is null || delta.IsZero)
        {
            read.Ignored++;
            return;
        }

        if (AgentJson.Timestamp(root) is not { } timestamp)
        {
            read.Skip(number, "timestamp", "missing or not an ISO 8601 date");
            return;
        }

        var model = AgentJson.Text(info, "model") ?? state.Model;
        var tokens = OpenAIUsageNormalizer.Normalize(delta.Input, delta.Cached, delta.Output, delta.Reasoning,
            "info.last_token_usage.cached_input_tokens", "info.last_token_usage.reasoning_output_tokens");
        read.Add(new UsageRecord
        {
            // The line's byte offset, not its number: a log only grows, so the offset of a turn never changes, while line
            // numbers shift by one when a read ended on a complete last line before its newline was written.
            Id = string.Create(CultureInfo.InvariantCulture, $"codex:{state.Session}:{offset}"),
            Timestamp = timestamp,
            Provider = "openai",
            Model = model ?? AssumedModel,
            Tokens = tokens,
            Attribution = new Attribution
            {
                Project = state.Cwd,
                Session = state.Session,
                Agent = MainAgentName,
                Tags = model is null ? new Dictionary<string, string>(StringComparer.Ordinal) { ["model"] = "assumed" } : Attribution.None.Tags,
            },
            Source = UsageSources.Codex,
        });
    }

    private const string MainAgentName = "main";

    private static CodexCounts? Counts(JsonElement info, string name)
    {
        if (!info.TryGetProperty(name, out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var path = "info." + name;
        return new CodexCounts(
            AgentJson.Count(usage, path, "input_tokens"),
            AgentJson.Count(usage, path, "cached_input_tokens"),
            AgentJson.Count(usage, path, "output_tokens"),
            AgentJson.Count(usage, path, "reasoning_output_tokens"));
    }
}
