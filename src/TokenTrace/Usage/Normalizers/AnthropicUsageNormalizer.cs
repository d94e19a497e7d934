using System.Globalization;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// Maps the <c>usage</c> object of the Anthropic Messages API into disjoint buckets.
/// Anthropic's <c>input_tokens</c> already excludes cache reads and writes; <c>cache_creation</c> splits writes
/// into 5-minute and 1-hour lifetimes.
/// </summary>
public static class AnthropicUsageNormalizer
{
    /// <summary>Normalizes one <c>usage</c> object.</summary>
    /// <exception cref="UsageFormatException">A count is not a whole number of at least 0, or the split is inconsistent.</exception>
    public static TokenCounts Normalize(JsonElement usage)
    {
        UsageJson.RequireObject(usage, "usage");
        var input = UsageJson.Count(usage, "usage", "input_tokens");
        var cacheRead = UsageJson.Count(usage, "usage", "cache_read_input_tokens");
        long? cacheCreation = UsageJson.Has(usage, "cache_creation_input_tokens") ? UsageJson.Count(usage, "usage", "cache_creation_input_tokens") : null;
        var output = UsageJson.Count(usage, "usage", "output_tokens");
        var split = UsageJson.Child(usage, "cache_creation");
        (long, long)? writes = split.ValueKind == JsonValueKind.Object
            ? (UsageJson.Count(split, "usage.cache_creation", "ephemeral_5m_input_tokens"), UsageJson.Count(split, "usage.cache_creation", "ephemeral_1h_input_tokens"))
            : null;
        var serverTools = UsageJson.Child(usage, "server_tool_use");
        return Normalize(input, cacheRead, cacheCreation, writes, output,
            UsageJson.Count(serverTools, "usage.server_tool_use", "web_search_requests"),
            UsageJson.Count(serverTools, "usage.server_tool_use", "web_fetch_requests"));
    }

    /// <summary>
    /// Normalizes the counts of one <c>usage</c> object already read by the caller (a reader that streams over large
    /// lines instead of building a document per line): the same rules as <see cref="Normalize(JsonElement)"/>.
    /// </summary>
    /// <param name="input"><c>input_tokens</c>.</param>
    /// <param name="cacheRead"><c>cache_read_input_tokens</c>.</param>
    /// <param name="cacheCreation"><c>cache_creation_input_tokens</c>, or null when the field is absent.</param>
    /// <param name="cacheCreationSplit">
    /// <c>cache_creation.ephemeral_5m_input_tokens</c> and <c>ephemeral_1h_input_tokens</c>, or null when there is no
    /// <c>cache_creation</c> object.
    /// </param>
    /// <param name="output"><c>output_tokens</c>.</param>
    /// <param name="webSearchRequests"><c>server_tool_use.web_search_requests</c>.</param>
    /// <param name="webFetchRequests"><c>server_tool_use.web_fetch_requests</c>.</param>
    /// <exception cref="UsageFormatException">A count is below 0, or the split exceeds the total.</exception>
    public static TokenCounts Normalize(long input, long cacheRead, long? cacheCreation, (long FiveMinutes, long OneHour)? cacheCreationSplit, long output,
        long webSearchRequests = 0, long webFetchRequests = 0)
    {
        NotNegative(input, "usage.input_tokens");
        NotNegative(cacheRead, "usage.cache_read_input_tokens");
        NotNegative(cacheCreation ?? 0, "usage.cache_creation_input_tokens");
        NotNegative(cacheCreationSplit?.FiveMinutes ?? 0, "usage.cache_creation.ephemeral_5m_input_tokens");
        NotNegative(cacheCreationSplit?.OneHour ?? 0, "usage.cache_creation.ephemeral_1h_input_tokens");
        NotNegative(output, "usage.output_tokens");
        NotNegative(webSearchRequests, "usage.server_tool_use.web_search_requests");
        NotNegative(webFetchRequests, "usage.server_tool_use.web_fetch_requests");
        long write5m = cacheCreation ?? 0, write1h = 0;
        if (cacheCreationSplit is var (split5m, split1h))
        {
            write1h = split1h;
            if (cacheCreation is { } total && split5m + split1h > total)
            {
                throw new UsageFormatException("usage.cache_creation",
                    string.Create(CultureInfo.InvariantCulture, $"5-minute ({split5m}) plus 1-hour ({split1h}) writes exceed cache_creation_input_tokens ({total})"));
            }

            // When the total is absent, the split is the whole truth; when present, anything unsplit is a default (5-minute) write.
            write5m = cacheCreation is { } present ? present - split1h : split5m;
        }

        return new TokenCounts
        {
            Input = input,
            CacheRead = cacheRead,
            CacheWrite = write5m,
            CacheWrite1h = write1h,
            Output = output,
            Extra = UsageJson.Extras((ExtraCounts.WebSearchRequests, webSearchRequests), (ExtraCounts.WebFetchRequests, webFetchRequests)),
        };
    }

    private static void NotNegative(long count, string field)
    {
        if (count < 0)
        {
            throw new UsageFormatException(field, string.Create(CultureInfo.InvariantCulture, $"{count} is not a whole number of at least 0"));
        }
    }

    /// <summary>Normalizes the usage of a streamed response: Anthropic sends cumulative totals, so the last event wins field by field.</summary>
    public static TokenCounts NormalizeStream(IEnumerable<JsonElement> usageEvents)
    {
        ArgumentNullException.ThrowIfNull(usageEvents);
        TokenCounts? last = null;
        foreach (var usage in usageEvents)
        {
            var current = Normalize(usage);

            // message_delta events repeat only output_tokens; keep the input side from message_start.
            last = last is null ? current : current with
            {
                Input = Math.Max(last.Input, current.Input),
                CacheRead = Math.Max(last.CacheRead, current.CacheRead),
                CacheWrite = Math.Max(last.CacheWrite, current.CacheWrite),
                CacheWrite1h = Math.Max(last.CacheWrite1h, current.CacheWrite1h),
                Extra = current.Extra.Count > 0 ? current.Extra : last.Extra,
            };
        }

        return last ?? TokenCounts.Zero;
    }
}
