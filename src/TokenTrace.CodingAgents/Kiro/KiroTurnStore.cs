using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Remembers, per workspace, the turn a Kiro <c>promptSubmit</c> hook started, so that the <c>agentStop</c> hook (another
/// process) can tell how long the agent worked. One small owner-only JSON file per workspace, written atomically.
/// </summary>
public sealed class KiroTurnStore
{
    private readonly string _directory;

    /// <summary>Creates a store that keeps its files in <paramref name="directory"/> (the CLI uses <c>$TOKENTRACE_HOME/kiro</c>).</summary>
    public KiroTurnStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
    }

    /// <summary>Starts a turn in <paramref name="workspace"/>, replacing any turn still open there.</summary>
    /// <param name="workspace">The full path of the workspace folder.</param>
    /// <param name="at">When the prompt was submitted.</param>
    /// <param name="unfinished">Whether a turn of this workspace was still open (its agent never reported a stop).</param>
    /// <returns>The new turn.</returns>
    public KiroTurn Begin(string workspace, DateTimeOffset at, out bool unfinished)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspace);
        var path = PathOf(workspace);
        unfinished = File.Exists(path);
        var turn = new KiroTurn(UsageRecord.NewId(), workspace, at.ToUniversalTime());
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("turn", turn.Id);
            writer.WriteString("workspace", turn.Workspace);
            writer.WriteString("submittedAt", turn.SubmittedAt.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        SecureFile.EnsureDirectory(_directory);
        SecureFile.WriteAllBytesAtomic(path, buffer.WrittenSpan);
        return turn;
    }

    /// <summary>Ends the open turn of <paramref name="workspace"/>: returns it and forgets it.</summary>
    /// <param name="workspace">The full path of the workspace folder.</param>
    /// <param name="problem">Why no turn is returned: <c>no-promptSubmit</c> (none was open) or <c>turn-state-unreadable</c>; null when one is.</param>
    /// <returns>The turn, or null when none can be found.</returns>
    public KiroTurn? End(string workspace, out string? problem)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspace);
        var path = PathOf(workspace);
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "no-promptSubmit";
            return null;
        }

        // Deleted before it is parsed, so that a state file nobody can parse is not met again at every stop.
        File.Delete(path);
        var turn = Parse(content, workspace);
        problem = turn is null ? "turn-state-unreadable" : null;
        return turn;
    }

    private static KiroTurn? Parse(byte[] content, string workspace)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("turn", out var id) && id.GetString() is { Length: > 0 } turnId
                && root.TryGetProperty("workspace", out var folder) && folder.GetString() == workspace
                && root.TryGetProperty("submittedAt", out var at)
                && DateTimeOffset.TryParseExact(at.GetString(), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var submittedAt))
            {
                return new KiroTurn(turnId, workspace, submittedAt.ToUniversalTime());
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Torn or foreign content: the caller records the stop with an error tag instead of an elapsed time.
        }

        return null;
    }

    // The workspace path is hashed into the name: any path (long, with separators or odd characters) maps to one safe file name.
    private string PathOf(string workspace) =>
        Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(workspace)).AsSpan(0, 16)) + ".json");
}
