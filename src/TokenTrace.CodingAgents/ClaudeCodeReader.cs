using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads Claude Code's transcripts: one JSONL file per session under <c>projects/&lt;folder&gt;/</c> of each Claude
/// configuration folder (<c>CLAUDE_CONFIG_DIR</c>, comma-separated, or <c>~/.config/claude</c> and <c>~/.claude</c>).
/// </summary>
/// <remarks>
/// <para>One API response is often written as several lines sharing <c>message.id</c> and <c>requestId</c> (one per
/// content block), sometimes with a partial usage first; a subagent's file (<c>isSidechain</c>) can replay its parent's
/// messages. Each response is one record with id <c>claude:{message.id}:{requestId}</c>, the largest usage kept
/// (<see cref="LargestUsage"/>).</para>
/// <para>Usage is Anthropic's (<see cref="AnthropicUsageNormalizer"/>): input excludes cache reads and writes, and
/// <c>cache_creation.ephemeral_5m/1h_input_tokens</c> split the writes. The project is the session's working folder
/// (<c>cwd</c>), or the transcript's folder name when a line has none. Lines without usage (user turns, tool results,
/// summaries) and Claude Code's own <c>&lt;synthetic&gt;</c> messages are passed over.</para>
/// </remarks>
public sealed class ClaudeCodeReader : IAgentHistoryReader
{
    /// <summary>The <see cref="Attribution.Agent"/> of the main conversation's records.</summary>
    public const string MainAgent = "main";

    /// <summary>The <see cref="Attribution.Agent"/> of a subagent's records (Claude Code does not write the subagent's name in its lines).</summary>
    public const string Subagent = "subagent";

    private const string Synthetic = "<synthetic>";

    /// <inheritdoc/>
    public string Source => UsageSources.ClaudeCode;

    /// <inheritdoc/>
    public bool AppendOnly => true;

    /// <inheritdoc/>
    public IReadOnlyList<string> FindRoots(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.Variable("CLAUDE_CONFIG_DIR") is { } configured)
        {
            return [.. configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(folder => Path.Combine(folder, "projects"))];
        }

        return [Path.Combine(environment.Home, ".config", "claude", "projects"), Path.Combine(environment.Home, ".claude", "projects")];
    }

    /// <inheritdoc/>
    public IEnumerable<string> FindFiles(string root) => HistoryFiles.Under(root, "*.jsonl");

    /// <summary>
    /// The files of one session: its transcript and its subagents' transcripts, which Claude Code keeps beside it in
    /// <c>&lt;session&gt;/subagents/*.jsonl</c> with the same session id. What a status line syncs for its session.
    /// </summary>
    /// <param name="transcript">The session's transcript (<c>projects/&lt;folder&gt;/&lt;session&gt;.jsonl</c>), as a full path.</param>
    public static IReadOnlyList<string> SessionFiles(string transcript)
    {
        ArgumentException.ThrowIfNullOrEmpty(transcript);
        var subagents = Path.Combine(Path.GetDirectoryName(transcript) ?? "", Path.GetFileNameWithoutExtension(transcript), "subagents");
        return [transcript, .. HistoryFiles.Under(subagents, "*.jsonl")];
    }

    /// <inheritdoc/>
    public void Read(AgentFileRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var folderProject = ProjectFolder(read.Path);
        var strings = new RepeatedStrings(ClaudeLine.RepeatedFields);
        var ids = new ResponseIds();
        var lines = new LineRecords();
        // Where the last response started, kept as plain values (only the file's very last one becomes a pending tail).
        string? lastId = null;
        long lastOffset = 0, lastLine = 0;
        var lastStopped = false;
        JsonLineScanner.Scan(read, (line, number, offset) =>
        {
            if (ReadLine(read, line, number, folderProject, strings, ids, lines) is { } parsed)
            {
                if (lastId != parsed.Id)
                {
                    (lastId, lastOffset, lastLine, lastStopped) = (parsed.Id, offset, number, false);
                }

                lastStopped |= parsed.Stopped;
            }
        });

        // The file's last response has no stop_reason yet: Claude Code may still be writing it, its usage still partial.
        read.PendingTail = lastStopped || lastId is null ? null : new AgentPendingTail(lastId, lastOffset, lastLine);
    }

    private static (string Id, bool Stopped)? ReadLine(AgentFileRead read, ReadOnlySpan<byte> line, long number, string? folderProject, RepeatedStrings strings, ResponseIds ids, LineRecords lines)
    {
        // Most lines (user turns, tool results: the bulk of the bytes) have no usage; finding that out without parsing
        // them is what makes a large history quick to read. Inside a JSON string a quote is escaped, so "usage" followed
        // by a quote only appears as a property name.
        if (line.IndexOf("\"usage\""u8) < 0)
        {
            read.Ignored++;
            return null;
        }

        ClaudeLine parsed;
        try
        {
            parsed = ClaudeLine.Parse(line, strings);
        }
        catch (JsonException ex)
        {
            read.Skip(number, null, AgentJson.NotJson(ex));
            return null;
        }
        catch (UsageFormatException ex)
        {
            read.Skip(number, ex.Field, ex.Message);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // A text value that is not valid UTF-8 (a damaged file): the line is unusable, the rest of the file is not.
            read.Skip(number, null, "not valid UTF-8 text: " + ex.Message);
            return null;
        }

        if (parsed.Usage is null || parsed.Model is null || parsed.Model == Synthetic)
        {
            read.Ignored++;
            return null;
        }

        if (parsed.Timestamp is not { } timestamp)
        {
            read.Skip(number, "timestamp", "missing or not an ISO 8601 date");
            return null;
        }

        var id = parsed.MessageId is null
            ? $"claude:{parsed.SessionId ?? Path.GetFileNameWithoutExtension(read.Path)}:line:{number}"
            : ids.Of(parsed.MessageId, parsed.RequestId);
        var agent = parsed.Sidechain ? Subagent : MainAgent;
        if (lines.Last is { } previous && ReferenceEquals(previous.Id, id) && !LargestUsage.Prefer(parsed.Usage, agent, previous.Tokens, previous.Attribution.Agent))
        {
            // Another line of the response just added, with no more usage: the file's read would keep the record it has,
            // so no record is made (most responses are written as several lines).
            return (id, parsed.Stopped);
        }

        var record = new UsageRecord
        {
            Id = id,
            Timestamp = timestamp,
            Provider = parsed.Model.StartsWith("claude", StringComparison.Ordinal) ? "anthropic" : null,
            Model = parsed.Model,
            Tokens = parsed.Usage,
            Attribution = lines.Attribution(parsed.Cwd ?? folderProject, parsed.SessionId, agent),
            Source = UsageSources.ClaudeCode,
        };
        read.Add(record);
        lines.Last = record;
        return (id, parsed.Stopped);
    }

    /// <summary>
    /// What the lines of one file share: the record made for the last line with usage (a response's further lines are
    /// compared with it before a record is made for them) and the attribution, the same instance while the project,
    /// session and agent strings are (they repeat from line to line, <see cref="RepeatedStrings"/>).
    /// </summary>
    private sealed class LineRecords
    {
        private Attribution? _attribution;

        public UsageRecord? Last { get; set; }

        public Attribution Attribution(string? project, string? session, string agent)
        {
            if (_attribution is not { } last || !ReferenceEquals(last.Project, project) || !ReferenceEquals(last.Session, session)
                || !ReferenceEquals(last.Agent, agent))
            {
                _attribution = new Attribution { Project = project, Session = session, Agent = agent };
            }

            return _attribution;
        }
    }

    /// <summary>
    /// The record id of a response, made once for its several lines: their ids are the same string instances
    /// (<see cref="RepeatedStrings"/>), so one reference comparison tells that the line continues the last response.
    /// </summary>
    private sealed class ResponseIds
    {
        private string? _message, _request, _id;

        public string Of(string message, string? request)
        {
            if (!ReferenceEquals(message, _message) || !ReferenceEquals(request, _request))
            {
                (_message, _request) = (message, request);
                _id = request is null ? $"claude:{message}" : $"claude:{message}:{request}";
            }

            return _id!;
        }
    }

    /// <summary>The folder under <c>projects/</c> a transcript is in (Claude Code's encoding of the working folder).</summary>
    private static string? ProjectFolder(string path)
    {
        var parts = Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var projects = Array.LastIndexOf(parts, "projects");
        return projects >= 0 && projects + 2 < parts.Length ? parts[projects + 1] : parts.Length >= 2 ? parts[^2] : null;
    }
}
