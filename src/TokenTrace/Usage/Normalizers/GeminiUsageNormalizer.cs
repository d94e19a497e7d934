using System.Globalization;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// Maps Gemini <c>usageMetadata</c> (REST camelCase or SDK snake_case) into disjoint buckets. Gemini's prompt count
/// includes <c>cachedContentTokenCount</c>; <c>candidatesTokenCount</c> excludes <c>thoughtsTokenCount</c>, so
/// output is candidates plus thoughts; <c>toolUsePromptTokenCount</c> is billed as extra input.
/// </summary>
public static class GeminiUsageNormalizer
{
    /// <summary>Normalizes one <c>usageMetadata</c> object.</summary>
    /// <exception cref="UsageFormatException">A count is malformed or the cached part exceeds the prompt.</exception>
    public static TokenCounts Normalize(JsonElement usageMetadata)
    {
        const string path = "usageMetadata";
        UsageJson.RequireObject(usageMetadata, path);
        var prompt = UsageJson.Count(usageMetadata, path, "promptTokenCount", "prompt_token_count");
        var cached = UsageJson.Count(usageMetadata, path, "cachedContentTokenCount", "cached_content_token_count");
        var candidates = UsageJson.Count(usageMetadata, path, "candidatesTokenCount", "candidates_token_count");
        var thoughts = UsageJson.Count(usageMetadata, path, "thoughtsTokenCount", "thoughts_token_count");
        var toolUse = UsageJson.Count(usageMetadata, path, "toolUsePromptTokenCount", "tool_use_prompt_token_count");

        if (cached > prompt)
        {
            throw new UsageFormatException($"{path}.cachedContentTokenCount", string.Create(CultureInfo.InvariantCulture, $"{cached} exceeds promptTokenCount ({prompt})"));
        }

        return new TokenCounts
        {
            Input = prompt - cached + toolUse,
            CacheRead = cached,
            Output = candidates + thoughts,
            Reasoning = thoughts,
            Extra = UsageJson.Extras((ExtraCounts.ToolUsePrompt, toolUse)),
        };
    }

    /// <summary>
    /// Normalizes a streamed response. Gemini's stream chunks carry cumulative usage, so the last chunk that has usage
    /// is the answer; summing them would count every token many times.
    /// </summary>
    public static TokenCounts NormalizeStream(IEnumerable<JsonElement> usageMetadataChunks)
    {
        ArgumentNullException.ThrowIfNull(usageMetadataChunks);
        JsonElement? last = null;
        foreach (var chunk in usageMetadataChunks)
        {
            if (chunk.ValueKind == JsonValueKind.Object)
            {
                last = chunk;
            }
        }

        return last is { } final ? Normalize(final) : TokenCounts.Zero;
    }
}
