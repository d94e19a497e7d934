using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads OpenCode's messages from each OpenCode data folder (<c>OPENCODE_DATA_DIR</c>, comma-separated, or
/// <c>$XDG_DATA_HOME/opencode</c>, by default <c>~/.local/share/opencode</c>): the SQLite database current versions keep
/// them in (<c>opencode.db</c>, or a release channel's <c>opencode-*.db</c>; table <c>message</c>, one JSON document per
/// row) and the one-file-per-message storage of older versions (<c>storage/message/&lt;session id&gt;/msg_*.json</c>).
/// </summary>
/// <remarks>
/// <para>OpenCode rewrites a message while it streams, so a file (or the database) is read whole each time it changes
/// and each assistant message is one record keyed by its id (<c>opencode:{id}</c>): a message found again — rewritten, or
/// in both the database and an old file it was migrated from — is stored once. A message without <c>time.completed</c>
/// is still being written: a sync of a file changed moments ago leaves it for the next one (in the database, the newest
/// such message; OpenCode writes a step's usage once, when the step finishes, so an older one is complete).</para>
/// <para>OpenCode stores disjoint counts (<see cref="OpenCodeTokens"/>): <c>tokens.input</c> without the cache reads and
/// writes of <c>tokens.cache</c>; <c>tokens.reasoning</c> outside <c>tokens.output</c> in current versions, inside it in
/// older ones, told apart by <c>tokens.total</c>. The model and provider are the message's <c>modelID</c> and
/// <c>providerID</c>, the project its <c>path.root</c> (the worktree; <c>path.cwd</c> outside a repository), the agent its
/// <c>agent</c> (<c>build</c>, <c>plan</c>, a subagent's name) or, in older versions, its <c>mode</c>. A problem is named
/// by its field and message, not a line: a message is one pretty-printed document.</para>
/// </remarks>
public sealed class OpenCodeReader : IAgentHistoryReader
{
    /// <inheritdoc/>
    public string Source => UsageSources.OpenCode;

    /// <inheritdoc/>
    public bool AppendOnly => false;

    /// <inheritdoc/>
    /// <remarks>OpenCode's database runs in WAL mode: new messages land in <c>opencode.db-wal</c> first.</remarks>
    public IEnumerable<string> ChangesAlsoIn(string file) =>
        file.EndsWith(".db", StringComparison.Ordinal) ? [file + "-wal"] : [];

    /// <inheritdoc/>
    public IReadOnlyList<string> FindRoots(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return [.. (environment.Folders("OPENCODE_DATA_DIR") ?? [Path.Combine(environment.DataHome, "opencode")]).Distinct(StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public IEnumerable<string> FindFiles(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var databases = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "opencode*.db", new EnumerationOptions { IgnoreInaccessible = true }).Where(IsDatabase).Order(StringComparer.Ordinal).ToList()
            : [];
        return databases.Concat(HistoryFiles.Under(Path.Combine(root, "storage", "message"), "*.json"));
    }

    /// <inheritdoc/>
    public void Read(AgentFileRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (IsDatabase(read.Path))
        {
            ReadDatabase(read);
            return;
        }

        using var document = WholeJsonFile.Parse(read);
        if (document is null)
        {
            return;
        }

        // An old message file is named after its message and lies in its session's folder.
        var message = document.RootElement;
        var id = (message.ValueKind == JsonValueKind.Object ? AgentJson.Text(message, "id") : null) ?? Path.GetFileNameWithoutExtension(read.Path);
        var session = (message.ValueKind == JsonValueKind.Object ? AgentJson.Text(message, "sessionID") : null) ?? Path.GetFileName(Path.GetDirectoryName(read.Path)) ?? id;
        if (ReadMessage(read, message, id, session, "") is { Completed: false } streaming)
        {
            read.PendingTail = new AgentPendingTail(streaming.Id, 0, 1);
        }
    }

    /// <summary><c>opencode.db</c>, or a release channel's <c>opencode-&lt;channel&gt;.db</c>.</summary>
    private static bool IsDatabase(string path)
    {
        var name = Path.GetFileName(path);
        return name == "opencode.db" || (name.StartsWith("opencode-", StringComparison.Ordinal) && name.EndsWith(".db", StringComparison.Ordinal));
    }

    private static void ReadDatabase(AgentFileRead read)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = read.Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        (string Id, DateTimeOffset Created)? newestStreaming = null;
        try
        {
            using var database = new SqliteConnection(connection);
            database.Open();
            using var command = database.CreateCommand();
            command.CommandText = "SELECT id, session_id, data FROM message";
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                read.Lines++;
                var id = rows.IsDBNull(0) ? null : rows.GetValue(0) as string;
                var session = rows.IsDBNull(1) ? null : rows.GetValue(1) as string;
                var data = rows.IsDBNull(2) ? null : rows.GetValue(2) as string;
                var where = $"message[{id ?? "?"}].";
                if (id is null || session is null || data is null)
                {
                    read.Skip(0, where + (id is null ? "id" : session is null ? "session_id" : "data"), "missing or not text");
                    continue;
                }

                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(data);
                }
                catch (JsonException ex)
                {
                    read.Skip(0, where + "data", "not valid JSON: " + ex.Message);
                    continue;
                }

                using (document)
                {
                    if (ReadMessage(read, document.RootElement, id, session, where) is { Completed: false } streaming
                        && (newestStreaming is null || streaming.Created > newestStreaming.Value.Created))
                    {
                        newestStreaming = (streaming.Id, streaming.Created);
                    }
                }
            }
        }
        catch (SqliteException ex)
        {
            // Not a database OpenCode wrote (another schema, a damaged file), or locked past the timeout: nothing is taken
            // from it this time, and the next sync tries again.
            read.Skip(0, null, "cannot be read as an OpenCode database: " + ex.Message);
            return;
        }

        read.EndOffset = new FileInfo(read.Path).Length;
        read.PendingTail = newestStreaming is { } pending ? new AgentPendingTail(pending.Id, 0, 1) : null;
    }

    /// <summary>
    /// Adds the record of one message (known by <paramref name="id"/> and <paramref name="session"/>: a database row's
    /// columns, or a file's own fields), if it is an assistant message with usage; what was added, or null.
    /// </summary>
    private static (string Id, DateTimeOffset Created, bool Completed)? ReadMessage(AgentFileRead read, JsonElement message, string id, string session, string where)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            read.Skip(0, where.Length > 0 ? where + "data" : null, "not an OpenCode message (not a JSON object)");
            return null;
        }

        if (AgentJson.Text(message, "role") != "assistant" || !message.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object)
        {
            read.Ignored++; // a user message, or an assistant message that failed before the model answered
            return null;
        }

        if (AgentJson.Text(message, "modelID") is not { } model)
        {
            read.Skip(0, where + "modelID", "missing");
            return null;
        }

        if (!message.TryGetProperty("time", out var time) || time.ValueKind != JsonValueKind.Object || Milliseconds(time, "created") is not { } created)
        {
            read.Skip(0, where + "time.created", "missing or not a time in milliseconds since 1970");
            return null;
        }

        TokenCounts counts;
        try
        {
            counts = OpenCodeTokens.Normalize(tokens);
        }
        catch (UsageFormatException ex)
        {
            read.Skip(0, where + ex.Field, ex.Message);
            return null;
        }

        if (counts.Total == 0)
        {
            read.Ignored++; // no usage reported (yet): read again when OpenCode rewrites the message with one
            return null;
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
                Session = session,
                Agent = AgentJson.Text(message, "agent") ?? AgentJson.Text(message, "mode") ?? ClaudeCodeReader.MainAgent,
            },
            Source = UsageSources.OpenCode,
        });
        return (recordId, created, Milliseconds(time, "completed") is not null);
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
