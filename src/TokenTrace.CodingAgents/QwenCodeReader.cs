using System.Globalization;
using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads Qwen Code's chat recordings: JSONL files, <c>projects/&lt;project&gt;/chats/&lt;session id&gt;.jsonl</c> under
/// each Qwen data folder (<c>QWEN_DATA_DIR</c>, comma-separated, or <c>~/.qwen</c>).
/// </summary>
/// <remarks>
/// <para>Qwen Code (a Gemini CLI fork) appends one record per line and writes an assistant record once its response is
/// complete, so files are read from where the last read stopped; each <c>assistant</c> record with a
/// <c>usageMetadata</c> is one record keyed by its <c>uuid</c> (<c>qwen:{uuid}</c>).</para>
/// <para><c>usageMetadata</c> is Gemini's shape (<see cref="GeminiUsageNormalizer"/>): <c>promptTokenCount</c> includes
/// <c>cachedContentTokenCount</c>, and <c>toolUsePromptTokenCount</c> is input too. Qwen Code mostly talks to
/// OpenAI-compatible APIs and converts their usage into this shape, so <c>thoughtsTokenCount</c> may already be inside
/// <c>candidatesTokenCount</c>: <c>totalTokenCount</c> decides (equal to prompt + candidates + tool: inside; otherwise,
/// or without a total, Gemini's convention: outside). The provider is not recorded (Qwen Code does not write it); the
/// project is the record's <c>cwd</c>, else the project folder's name.</para>
/// </remarks>
public sealed class QwenCodeReader : IAgentHistoryReader
{
    /// <inheritdoc/>
    public string Source => UsageSources.QwenCode;

    /// <inheritdoc/>
    public bool AppendOnly => true;

    /// <inheritdoc/>
    public IReadOnlyList<string> FindRoots(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var folders = environment.Folders("QWEN_DATA_DIR") ?? [Path.Combine(environment.Home, ".qwen")];
        return [.. folders.Select(folder => Path.Combine(folder, "projects")).Distinct(StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public IEnumerable<string> FindFiles(string root) =>
        HistoryFiles.Under(root, "*.jsonl").Where(file => Path.GetFileName(Path.GetDirectoryName(file)) == "chats");

    /// <inheritdoc/>
    public void Read(AgentFileRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var projectFolder = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(read.Path)));
        var fileSession = Path.GetFileNameWithoutExtension(read.Path);
        JsonLineScanner.Scan(read, (line, number, offset) => ReadLine(read, line, number, offset, projectFolder, fileSession));
    }

    private static void ReadLine(AgentFileRead read, ReadOnlySpan<byte> line, long number, long offset, string? projectFolder, string fileSession)
    {
        // User turns and tool results (most of the bytes) carry no usage: passed over without parsing them.
        if (line.IndexOf("\"usageMetadata\""u8) < 0)
        {
            read.Ignored++;
            return;
        }

        if (AgentJson.ParseLine(read, line, number) is not { } document)
        {
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || AgentJson.Text(root, "type") != "assistant"
                || !root.TryGetProperty("usageMetadata", out var usage) || usage.ValueKind != JsonValueKind.Object)
            {
                read.Ignored++;
                return;
            }

            if (AgentJson.Text(root, "model") is not { } model)
            {
                read.Skip(number, "model", "missing");
                return;
            }

            if (AgentJson.Timestamp(root) is not { } timestamp)
            {
                read.Skip(number, "timestamp", "missing or not an ISO 8601 date");
                return;
            }

            TokenCounts counts;
            try
            {
                counts = Normalize(usage);
            }
            catch (UsageFormatException ex)
            {
                read.Skip(number, ex.Field, ex.Message);
                return;
            }

            if (counts.Total == 0)
            {
                read.Ignored++;
                return;
            }

            var session = AgentJson.Text(root, "sessionId") ?? fileSession;
            read.Add(new UsageRecord
            {
                // The record's uuid; a line without one is known by its byte offset, which never changes in a log that only grows.
                Id = AgentJson.Text(root, "uuid") is { } uuid ? "qwen:" + uuid : string.Create(CultureInfo.InvariantCulture, $"qwen:{session}:{offset}"),
                Timestamp = timestamp,
                Model = model,
                Tokens = counts,
                Attribution = new Attribution { Project = AgentJson.Text(root, "cwd") ?? projectFolder, Session = session, Agent = ClaudeCodeReader.MainAgent },
                Source = UsageSources.QwenCode,
            });
        }
    }

    private static TokenCounts Normalize(JsonElement usage)
    {
        const string path = "usageMetadata";
        var prompt = AgentJson.Count(usage, path, "promptTokenCount");
        var cached = AgentJson.Count(usage, path, "cachedContentTokenCount");
        var candidates = AgentJson.Count(usage, path, "candidatesTokenCount");
        var thoughts = AgentJson.Count(usage, path, "thoughtsTokenCount");
        var tool = AgentJson.Count(usage, path, "toolUsePromptTokenCount");
        try
        {
            // OpenAI's completion tokens, reasoning included, converted as they are: the total counts the thoughts once.
            var thoughtsInside = thoughts > 0 && thoughts <= candidates
                && usage.TryGetProperty("totalTokenCount", out var total) && total.ValueKind == JsonValueKind.Number
                && total.TryGetInt64(out var stated) && stated == checked(prompt + candidates + tool);
            return GeminiUsageNormalizer.Normalize(prompt, cached, thoughtsInside ? candidates - thoughts : candidates, thoughts, tool, path + ".cachedContentTokenCount");
        }
        catch (OverflowException)
        {
            throw new UsageFormatException(path, "the counts add up to more than a 64-bit number holds");
        }
    }
}
