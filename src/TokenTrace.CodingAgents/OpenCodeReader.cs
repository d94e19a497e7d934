using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads OpenCode's message files: one JSON file per message, <c>storage/message/&lt;session id&gt;/msg_*.json</c> under
/// each OpenCode data folder (<c>OPENCODE_DATA_DIR</c>, comma-separated, or <c>$XDG_DATA_HOME/opencode</c>, by default
/// <c>~/.local/share/opencode</c>).
/// </summary>
/// <remarks>
/// <para>OpenCode rewrites a message's file while it streams, so a file is read whole each time it changes and each
/// assistant message is one record keyed by its <c>id</c> (<c>opencode:{id}</c>). A message without
/// <c>time.completed</c> is still being written: a sync of a file changed moments ago leaves it for the next one.</para>
/// <para>OpenCode stores disjoint counts (<see cref="OpenCodeTokens"/>): <c>tokens.input</c> without the cache reads and
/// writes of <c>tokens.cache</c>; <c>tokens.reasoning</c> outside <c>tokens.output</c> in current versions, inside it in
/// older ones, told apart by <c>tokens.total</c>. The model and provider are the message's <c>modelID</c> and
/// <c>providerID</c>, the project its <c>path.root</c> (the worktree; <c>path.cwd</c> outside a repository), the agent its
/// <c>agent</c> (<c>build</c>, <c>plan</c>, a subagent's name) or, in older versions, its <c>mode</c>.</para>
/// </remarks>
public sealed class OpenCodeReader : IAgentHistoryReader
{
    /// <inheritdoc/>
    public string Source => UsageSources.OpenCode;

    /// <inheritdoc/>
    public bool AppendOnly => false;

    /// <inheritdoc/>
    public IReadOnlyList<string> FindRoots(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var folders = environment.Folders("OPENCODE_DATA_DIR") ?? [Path.Combine(environment.DataHome, "opencode")];
        return [.. folders.Select(folder => Path.Combine(folder, "storage", "message")).Distinct(StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public IEnumerable<string> FindFiles(string root) => HistoryFiles.Under(root, "*.json");

    /// <inheritdoc/>
    public void Read(AgentFileRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        using var document = WholeJsonFile.Parse(read);
        if (document is null)
        {
            return;
        }

        var message = document.RootElement;
        if (message.ValueKind != JsonValueKind.Object)
        {
            read.Skip(0, null, "not an OpenCode message (not a JSON object)");
            return;
        }

        if (AgentJson.Text(message, "role") != "assistant" || !message.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object)
        {
            read.Ignored++; // a user message, or an assistant message that failed before the model answered
            return;
        }

        ReadAssistant(read, message, tokens);
    }

    private static void ReadAssistant(AgentFileRead read, JsonElement message, JsonElement tokens)
    {
        var id = AgentJson.Text(message, "id") ?? Path.GetFileNameWithoutExtension(read.Path);
        if (AgentJson.Text(message, "modelID") is not { } model)
        {
            read.Skip(0, "modelID", "missing");
            return;
        }

        if (!message.TryGetProperty("time", out var time) || time.ValueKind != JsonValueKind.Object || Milliseconds(time, "created") is not { } created)
        {
            read.Skip(0, "time.created", "missing or not a time in milliseconds since 1970");
            return;
        }

        TokenCounts counts;
        try
        {
            counts = OpenCodeTokens.Normalize(tokens);
        }
        catch (UsageFormatException ex)
        {
            read.Skip(0, ex.Field, ex.Message);
            return;
        }

        if (counts.Total == 0)
        {
            read.Ignored++; // no usage reported (yet): the file is read again when OpenCode rewrites it with one
            return;
        }

        var recordId = "opencode:" + id;
        read.Add(new UsageRecord
        {
            Id = recordId,
            Timestamp = created,
            Provider = AgentJson.Text(message, "providerID"),
            Model = model,
            Tokens = counts,
            Attribution = new Attribution
            {
                Project = Project(message),
                Session = AgentJson.Text(message, "sessionID") ?? Path.GetFileName(Path.GetDirectoryName(read.Path)),
                Agent = AgentJson.Text(message, "agent") ?? AgentJson.Text(message, "mode") ?? ClaudeCodeReader.MainAgent,
            },
            Source = UsageSources.OpenCode,
        });

        if (Milliseconds(time, "completed") is null)
        {
            // Still streaming: its usage may grow, and a record stored once is never replaced.
            read.PendingTail = new AgentPendingTail(recordId, 0, 1);
        }
    }

    private static string? Project(JsonElement message)
    {
        if (!message.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // Outside a git repository OpenCode's worktree is the file system's root, which says nothing of the project.
        var root = AgentJson.Text(path, "root");
        return root is not null && root != "/" ? root : AgentJson.Text(path, "cwd") ?? root;
    }

    private static DateTimeOffset? Milliseconds(JsonElement time, string name) =>
        time.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var milliseconds)
            && milliseconds is > 0 and < 253_402_300_800_000 // before year 10000, the most DateTimeOffset holds
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : null;
}
