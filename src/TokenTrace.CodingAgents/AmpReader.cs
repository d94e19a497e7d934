using System.Globalization;
using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Reads Amp's threads: one JSON file per thread, <c>threads/T-*.json</c> under each Amp data folder (<c>AMP_DATA_DIR</c>,
/// comma-separated, or <c>$XDG_DATA_HOME/amp</c>, by default <c>~/.local/share/amp</c>).
/// </summary>
/// <remarks>
/// <para>Amp rewrites a thread's file whole, so it is read whole each time it changes and each assistant message with a
/// <c>usage</c> is one record keyed by the thread's <c>id</c> and the message's <c>messageId</c>
/// (<c>amp:{thread}:{messageId}</c>). A message whose <c>state.type</c> is <c>running</c> is still being written: a sync
/// of a file changed moments ago leaves it for the next one.</para>
/// <para>Usage is Anthropic's convention, whatever the model: <c>inputTokens</c> excludes <c>cacheReadInputTokens</c> and
/// <c>cacheCreationInputTokens</c> (their sum is the message's <c>totalInputTokens</c>). Older threads kept their usage in
/// <c>usageLedger.events</c> (input and output per event, the cache counts on the message named by <c>toMessageId</c>);
/// each event is a record keyed <c>amp:{thread}:{event id}</c>, and the message it led to is not counted again. Amp does not name the provider, so none is
/// recorded and the model alone finds the price. The project is the thread's first workspace tree
/// (<c>env.initial.trees[0].uri</c>, a <c>file://</c> URI) when Amp recorded one. Amp's credits are its own billing unit
/// and are not recorded; the cost comes from the price catalogue like every other record's.</para>
/// </remarks>
public sealed class AmpReader : IAgentHistoryReader
{
    /// <inheritdoc/>
    public string Source => UsageSources.Amp;

    /// <inheritdoc/>
    public bool AppendOnly => false;

    /// <inheritdoc/>
    public IReadOnlyList<string> FindRoots(AgentEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var folders = environment.Folders("AMP_DATA_DIR") ?? [Path.Combine(environment.DataHome, "amp")];
        return [.. folders.Select(folder => Path.Combine(folder, "threads")).Distinct(StringComparer.Ordinal)];
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

        var thread = document.RootElement;
        if (thread.ValueKind != JsonValueKind.Object || AgentJson.Text(thread, "id") is not { } threadId)
        {
            read.Skip(0, "id", "not an Amp thread (no thread id)");
            return;
        }

        var messages = thread.TryGetProperty("messages", out var list) && list.ValueKind == JsonValueKind.Array ? list : default;
        var context = new ThreadContext(threadId, Project(thread));
        var counted = new HashSet<string>(StringComparer.Ordinal);
        if (thread.TryGetProperty("usageLedger", out var ledger) && ledger.ValueKind == JsonValueKind.Object
            && ledger.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array)
        {
            ReadEvents(read, events, messages, context, counted);
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            return; // a thread with no messages yet
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var field = $"messages[{index++}]";
            if (message.ValueKind == JsonValueKind.Object && MessageId(message) is { } messageId && counted.Contains(messageId))
            {
                // Counted by the usage ledger event that led to it (an older thread continued by a newer Amp).
                read.Ignored++;
                continue;
            }

            ReadMessage(read, message, field, context);
        }
    }

    private static void ReadMessage(AgentFileRead read, JsonElement message, string field, ThreadContext context)
    {
        if (message.ValueKind != JsonValueKind.Object || AgentJson.Text(message, "role") != "assistant"
            || !message.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            read.Ignored++; // a user turn, or an assistant message with no usage (cancelled before the model answered)
            return;
        }

        if (MessageId(message) is not { } messageId)
        {
            read.Skip(0, field + ".messageId", "missing");
            return;
        }

        var model = AgentJson.Text(usage, "model") ?? AgentJson.Text(message, "model");
        if (model is null)
        {
            read.Skip(0, field + ".usage.model", "missing");
            return;
        }

        if ((AgentJson.Timestamp(usage) ?? AgentJson.Timestamp(message)) is not { } timestamp)
        {
            read.Skip(0, field + ".usage.timestamp", "missing or not an ISO 8601 date");
            return;
        }

        var path = field + ".usage";
        TokenCounts counts;
        try
        {
            if (!usage.TryGetProperty("inputTokens", out _) && !usage.TryGetProperty("outputTokens", out _) && usage.TryGetProperty("totalTokens", out _))
            {
                // A total alone cannot be priced (input, output and cache tokens cost different amounts): named, not guessed.
                throw new UsageFormatException(path + ".totalTokens", "a total without inputTokens and outputTokens cannot be split into buckets");
            }

            counts = new TokenCounts
            {
                Input = AgentJson.Count(usage, path, "inputTokens"),
                CacheRead = AgentJson.Count(usage, path, "cacheReadInputTokens"),
                CacheWrite = AgentJson.Count(usage, path, "cacheCreationInputTokens"),
                Output = AgentJson.Count(usage, path, "outputTokens"),
            };
        }
        catch (UsageFormatException ex)
        {
            read.Skip(0, ex.Field, ex.Message);
            return;
        }

        var recordId = $"amp:{context.ThreadId}:{messageId}";
        if (Add(read, recordId, timestamp, model, counts, context)
            && message.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Object && AgentJson.Text(state, "type") == "running")
        {
            read.PendingTail = new AgentPendingTail(recordId, 0, 1);
        }
    }

    /// <summary>
    /// Reads an older thread's usage ledger, adding to <paramref name="counted"/> the message each recorded event led to
    /// (<c>toMessageId</c>), whose own usage must then not be counted again.
    /// </summary>
    private static void ReadEvents(AgentFileRead read, JsonElement events, JsonElement messages, ThreadContext context, HashSet<string> counted)
    {
        var index = 0;
        foreach (var usageEvent in events.EnumerateArray())
        {
            var field = $"usageLedger.events[{index++}]";
            if (usageEvent.ValueKind != JsonValueKind.Object || !usageEvent.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object)
            {
                read.Ignored++;
                continue;
            }

            if (AgentJson.Text(usageEvent, "id") is not { } eventId || AgentJson.Text(usageEvent, "model") is not { } model)
            {
                read.Skip(0, field + (AgentJson.Text(usageEvent, "id") is null ? ".id" : ".model"), "missing");
                continue;
            }

            if (AgentJson.Timestamp(usageEvent) is not { } timestamp)
            {
                read.Skip(0, field + ".timestamp", "missing or not an ISO 8601 date");
                continue;
            }

            TokenCounts counts;
            try
            {
                var cache = CacheOf(messages, usageEvent);
                counts = new TokenCounts
                {
                    Input = AgentJson.Count(tokens, field + ".tokens", "input"),
                    Output = AgentJson.Count(tokens, field + ".tokens", "output"),
                    CacheRead = cache.ValueKind == JsonValueKind.Object ? AgentJson.Count(cache, "usage", "cacheReadInputTokens") : 0,
                    CacheWrite = cache.ValueKind == JsonValueKind.Object ? AgentJson.Count(cache, "usage", "cacheCreationInputTokens") : 0,
                };
            }
            catch (UsageFormatException ex)
            {
                read.Skip(0, ex.Field, ex.Message);
                continue;
            }

            if (Add(read, $"amp:{context.ThreadId}:{eventId}", timestamp, model, counts, context)
                && usageEvent.TryGetProperty("toMessageId", out var to) && to.ValueKind == JsonValueKind.Number)
            {
                counted.Add(to.GetRawText());
            }
        }
    }

    /// <summary>The usage of the assistant message an event led to (<c>toMessageId</c>), which holds its cache counts.</summary>
    private static JsonElement CacheOf(JsonElement messages, JsonElement usageEvent)
    {
        if (messages.ValueKind != JsonValueKind.Array || !usageEvent.TryGetProperty("toMessageId", out var to) || to.ValueKind != JsonValueKind.Number)
        {
            return default;
        }

        var wanted = to.GetRawText();
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object && AgentJson.Text(message, "role") == "assistant" && MessageId(message) == wanted
                && message.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                return usage;
            }
        }

        return default;
    }

    /// <summary>Adds a record unless it has no tokens at all (an inference that failed before any): whether it was added.</summary>
    private static bool Add(AgentFileRead read, string id, DateTimeOffset timestamp, string model, TokenCounts counts, ThreadContext context)
    {
        if (counts.Total == 0)
        {
            read.Ignored++;
            return false;
        }

        read.Add(new UsageRecord
        {
            Id = id,
            Timestamp = timestamp,
            Model = model,
            Tokens = counts,
            Attribution = new Attribution { Project = context.Project, Session = context.ThreadId, Agent = ClaudeCodeReader.MainAgent },
            Source = UsageSources.Amp,
        });
        return true;
    }

    /// <summary>A message's <c>messageId</c> as text (a number in Amp's files; a string is taken too), or null.</summary>
    private static string? MessageId(JsonElement message) =>
        !message.TryGetProperty("messageId", out var id) ? null
        : id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var number) ? number.ToString(CultureInfo.InvariantCulture)
        : id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } text ? text
        : null;

    private static string? Project(JsonElement thread)
    {
        if (thread.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.Object
            && env.TryGetProperty("initial", out var initial) && initial.ValueKind == JsonValueKind.Object
            && initial.TryGetProperty("trees", out var trees) && trees.ValueKind == JsonValueKind.Array && trees.GetArrayLength() > 0
            && trees[0].ValueKind == JsonValueKind.Object && AgentJson.Text(trees[0], "uri") is { } uri)
        {
            return Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.IsFile ? parsed.LocalPath : uri;
        }

        return null;
    }

    private sealed record ThreadContext(string ThreadId, string? Project);
}
