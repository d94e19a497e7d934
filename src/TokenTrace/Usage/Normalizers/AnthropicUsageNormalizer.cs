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
        var cacheCreation = UsageJson.Count(usage, "usage", "cache_creation_input_tokens");
        var output = UsageJson.Count(usage, "usage", "output_tokens");

        long write5m = cacheCreation, write1h = 0;
        var split = UsageJson.Child(usage, "cache_creation");
        if (split.ValueKind == JsonValueKind.Object)
        {
            var split5m = UsageJson.Count(split, "usage.cache_creation", "ephemeral_5m_input_tokens");
            write1h = UsageJson.Count(split, "usage.cache_creation", "ephemeral_1h_input_tokens");
            if (split5m + write1h > cacheCreation && UsageJson.Has(usage, "cache_creation_input_tokens"))
            {
                throw new UsageFormatException("usage.cache_creation",
                    string.Create(CultureInfo.InvariantCulture, $"5-minute ({split5m}) plus 1-hour ({write1h}) writes exceed cache_creation_input_tokens ({cacheCreation})"));
            }

            // When the total is absent, the split is the whole truth; when present, anything unsplit is a default (5-minute) write.
            write5m = UsageJson.Has(usage, "cache_creation_input_tokens") ? cacheCreation - write1h : split5m;
        }

        var serverTools = UsageJson.Child(usage, "server_tool_use");
        return new TokenCounts
        {
            Input = input,
            CacheRead = cacheRead,
            CacheWrite = write5m,
            CacheWrite1h = write1h,
            Output = output,
            Extra = UsageJson.Extras(
                (ExtraCounts.WebSearchRequests, UsageJson.Count(serverTools, "usage.server_tool_use", "web_search_requests")),
                (ExtraCounts.WebFetchRequests, UsageJson.Count(serverTools, "usage.server_tool_use", "web_fetch_requests"))),
        };
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
