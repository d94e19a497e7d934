using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads Gemini CLI's chat recordings: one pretty-printed JSON file per session,
/// <c>tmp/&lt;project hash&gt;/chats/session-*.json</c> under <c>GEMINI_DATA_DIR</c> (default <c>~/.gemini</c>).
/// </summary>
/// <remarks>
/// <para>Gemini CLI rewrites a session's file whole on every update, so it is read whole each time it changes and each
/// message is one record keyed by its <c>id</c> (<c>gemini:{sessionId}:{message id}</c>): reading it again adds only
/// the messages that are new.</para>
/// <para>Only <c>gemini</c> messages carry usage, as <c>tokens</c> = <c>{input, output, cached, thoughts, tool}</c>:
/// <c>input</c> is the API's prompt count and includes <c>cached</c>; <c>output</c> excludes <c>thoughts</c>; <c>tool</c>
/// is the tool-use prompt (<see cref="GeminiUsageNormalizer"/>). <c>tokens: null</c> (not reported yet) is passed over
/// and picked up when the file is rewritten with it. The project is the path in the hash folder's
/// <c>.project_root</c> file when Gemini CLI wrote one, otherwise <c>gemini:</c> and the first 12 characters of the
/// hash (the hash of the project's path cannot be turned back into the path).</para>
/// </remarks>
public sealed class GeminiCliReader : IAgentHistoryReader
{
    /// <inheritdoc/>
    public string Source => UsageSources.GeminiCli;

    /// <inheritdoc/>
    public bool AppendOnly => false;

    /// <inheritdoc/>
    public IReadOnlyList<string> FindRoots(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return [Path.Combine(environment.Variable("GEMINI_DATA_DIR") ?? Path.Combine(environment.Home, ".gemini"), "tmp")];
    }

    /// <inheritdoc/>
    public IEnumerable<string> FindFiles(string root) =>
        HistoryFiles.Under(root, "*.json").Where(file => Path.GetFileName(Path.GetDirectoryName(file)) == "chats");

    /// <inheritdoc/>
    public void Read(AgentFileRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        using var document = WholeJsonFile.Parse(read);
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            read.Skip(0, "messages", "not a Gemini CLI chat recording (no messages array)");
            return;
        }

        var session = AgentJson.Text(root, "sessionId") ?? Path.GetFileNameWithoutExtension(read.Path);
        var project = Project(read.Path, AgentJson.Text(root, "projectHash"));
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            index++;
            ReadMessage(read, message, index, session, project);
        }
    }

    private static void ReadMessage(AgentFileRead read, JsonElement message, int index, string session, string? project)
    {
        if (message.ValueKind != JsonValueKind.Object || AgentJson.Text(message, "type") != "gemini"
            || !message.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object)
        {
            read.Ignored++;
            return;
        }

        var field = $"messages[{index - 1}]";
        var id = AgentJson.Text(message, "id");
        var model = AgentJson.Text(message, "model");
        if (id is null || model is null)
        {
            read.Skip(0, id is null ? $"{field}.id" : $"{field}.model", "missing");
            return;
        }

        if (AgentJson.Timestamp(message) is not { } timestamp)
        {
            read.Skip(0, $"{field}.timestamp", "missing or not an ISO 8601 date");
            return;
        }

        var path = field + ".tokens";
        TokenCounts counts;
        try
        {
            counts = GeminiUsageNormalizer.Normalize(
                AgentJson.Count(tokens, path, "input"), AgentJson.Count(tokens, path, "cached"), AgentJson.Count(tokens, path, "output"),
                AgentJson.Count(tokens, path, "thoughts"), AgentJson.Count(tokens, path, "tool"), $"{path}.cached");
        }
        catch (UsageFormatException ex)
        {
            read.Skip(0, ex.Field, ex.Message);
            return;
        }

        read.Add(new UsageRecord
        {
            Id = $"gemini:{session}:{id}",
            Timestamp = timestamp,
            Provider = "google",
            Model = model,
            Tokens = counts,
            Attribution = new Attribution { Project = project, Session = session, Agent = "main" },
            Source = UsageSources.GeminiCli,
        });
    }

    private static string? Project(string path, string? hash)
    {
        var hashFolder = Path.GetDirectoryName(Path.GetDirectoryName(path));
        if (hashFolder is not null)
        {
            var rootFile = Path.Combine(hashFolder, ".project_root");
            try
            {
                if (File.Exists(rootFile) && File.ReadAllText(rootFile).Trim() is { Length: > 0 } projectRoot)
                {
                    return projectRoot;
                }
            }
            catch (IOException)
            {
                // Unreadable: fall back to the hash.
            }
            catch (UnauthorizedAccessException)
            {
                // Unreadable: fall back to the hash.
            }
        }

        hash ??= hashFolder is null ? null : Path.GetFileName(hashFolder);
        return hash is null ? null : "gemini:" + hash[..Math.Min(12, hash.Length)];
    }
}
