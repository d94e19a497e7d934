using System.Globalization;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// Maps OpenAI usage objects (Chat Completions <c>prompt_tokens</c>/<c>completion_tokens</c> and Responses
/// <c>input_tokens</c>/<c>output_tokens</c>) into disjoint buckets. OpenAI's prompt count includes
/// <c>cached_tokens</c>; reasoning tokens are already inside the output count.
/// </summary>
public static class OpenAIUsageNormalizer
{
    /// <summary>Normalizes one <c>usage</c> object of either API.</summary>
    /// <exception cref="UsageFormatException">A count is malformed or the cached part exceeds the prompt.</exception>
    public static TokenCounts Normalize(JsonElement usage)
    {
        UsageJson.RequireObject(usage, "usage");
        var responses = UsageJson.Has(usage, "input_tokens") || UsageJson.Has(usage, "output_tokens");
        var (promptName, completionName, promptDetailsName, completionDetailsName) = responses
            ? ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")
            : ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details");

        var prompt = UsageJson.Count(usage, "usage", promptName);
        var completion = UsageJson.Count(usage, "usage", completionName);
        var promptDetails = UsageJson.Child(usage, promptDetailsName);
        var completionDetails = UsageJson.Child(usage, completionDetailsName);
        var cached = UsageJson.Count(promptDetails, $"usage.{promptDetailsName}", "cached_tokens");
        var reasoning = UsageJson.Count(completionDetails, $"usage.{completionDetailsName}", "reasoning_tokens");

        return Normalize(prompt, cached, completion, reasoning, $"usage.{promptDetailsName}.cached_tokens", $"usage.{completionDetailsName}.reasoning_tokens") with
        {
            Extra = UsageJson.Extras(
                (ExtraCounts.AudioInput, UsageJson.Count(promptDetails, $"usage.{promptDetailsName}", "audio_tokens")),
                (ExtraCounts.AudioOutput, UsageJson.Count(completionDetails, $"usage.{completionDetailsName}", "audio_tokens"))),
        };
    }

    /// <summary>
    /// Normalizes counts already read from an OpenAI-style usage (Codex CLI's <c>token_count</c> events use other field
    /// names for the same convention): the prompt includes the cached part, the completion includes the reasoning.
    /// </summary>
    /// <param name="prompt">Input tokens, cached ones included.</param>
    /// <param name="cached">The cached part of <paramref name="prompt"/>.</param>
    /// <param name="completion">Output tokens, reasoning included.</param>
    /// <param name="reasoning">The reasoning part of <paramref name="completion"/>.</param>
    /// <param name="cachedField">The field name to report when <paramref name="cached"/> exceeds <paramref name="prompt"/>.</param>
    /// <param name="reasoningField">The field name to report when <paramref name="reasoning"/> exceeds <paramref name="completion"/>.</param>
    /// <exception cref="UsageFormatException">A count is negative, or a part exceeds its whole.</exception>
    public static TokenCounts Normalize(long prompt, long cached, long completion, long reasoning, string cachedField = "cached_tokens", string reasoningField = "reasoning_tokens")
    {
        if (prompt < 0 || cached < 0 || completion < 0 || reasoning < 0)
        {
            throw new UsageFormatException(prompt < 0 ? "input_tokens" : cached < 0 ? cachedField : completion < 0 ? "output_tokens" : reasoningField, "a token count cannot be negative");
        }

        if (cached > prompt)
        {
            throw new UsageFormatException(cachedField, string.Create(CultureInfo.InvariantCulture, $"{cached} exceeds the input tokens ({prompt})"));
        }

        if (reasoning > completion)
        {
            throw new UsageFormatException(reasoningField, string.Create(CultureInfo.InvariantCulture, $"{reasoning} exceeds the output tokens ({completion})"));
        }

        return new TokenCounts { Input = prompt - cached, CacheRead = cached, Output = completion, Reasoning = reasoning };
    }
}
