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

        if (cached > prompt)
        {
            throw new UsageFormatException($"usage.{promptDetailsName}.cached_tokens", string.Create(CultureInfo.InvariantCulture, $"{cached} exceeds {promptName} ({prompt})"));
        }

        if (reasoning > completion)
        {
            throw new UsageFormatException($"usage.{completionDetailsName}.reasoning_tokens", string.Create(CultureInfo.InvariantCulture, $"{reasoning} exceeds {completionName} ({completion})"));
        }

        return new TokenCounts
        {
            Input = prompt - cached,
            CacheRead = cached,
            Output = completion,
            Reasoning = reasoning,
            Extra = UsageJson.Extras(
                (ExtraCounts.AudioInput, UsageJson.Count(promptDetails, $"usage.{promptDetailsName}", "audio_tokens")),
                (ExtraCounts.AudioOutput, UsageJson.Count(completionDetails, $"usage.{completionDetailsName}", "audio_tokens"))),
        };
    }
}
