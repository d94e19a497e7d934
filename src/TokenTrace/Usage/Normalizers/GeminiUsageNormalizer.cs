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

        return Normalize(prompt, cached, candidates, thoughts, toolUse, $"{path}.cachedContentTokenCount");
    }

    /// <summary>
    /// Normalizes counts already read from a Gemini-style usage (Gemini CLI's chat recordings name them <c>input</c>,
    /// <c>cached</c>, <c>output</c>, <c>thoughts</c>, <c>tool</c>): the prompt includes the cached part, the candidates
    /// exclude the thoughts, and the tool-use prompt is input on top of the prompt.
    /// </summary>
    /// <param name="prompt">Prompt tokens, cached ones included.</param>
    /// <param name="cached">The cached part of <paramref name="prompt"/>.</param>
    /// <param name="candidates">Response tokens, thoughts excluded.</param>
    /// <param name="thoughts">Thinking tokens.</param>
    /// <param name="toolUse">Tool-use prompt tokens.</param>
    /// <param name="cachedField">The field name to report when <paramref name="cached"/> exceeds <paramref name="prompt"/>.</param>
    /// <exception cref="UsageFormatException">A count is negative, or the cached part exceeds the prompt.</exception>
    public static TokenCounts Normalize(long prompt, long cached, long candidates, long thoughts, long toolUse, string cachedField = "cached")
    {
        if (prompt < 0 || cached < 0 || candidates < 0 || thoughts < 0 || toolUse < 0)
        {
            throw new UsageFormatException(cached < 0 ? cachedField : "tokens", "a token count cannot be negative");
        }

        if (cached > prompt)
        {
            throw new UsageFormatException(cachedField, string.Create(CultureInfo.InvariantCulture, $"{cached} exceeds the prompt tokens ({prompt})"));
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
