using System.Globalization;
using Microsoft.Extensions.AI;

namespace TokenTrace.Extensions.AI;

/// <summary>
/// Maps Microsoft.Extensions.AI <see cref="UsageDetails"/> into disjoint buckets. The abstraction says
/// <see cref="UsageDetails.InputTokenCount"/> includes <see cref="UsageDetails.CachedInputTokenCount"/> and reasoning is
/// inside output, but adapters differ: Anthropic's folds cache writes into the input count and reports them in
/// <c>AdditionalCounts["CacheCreationInputTokens"]</c>; Google's reports reasoning outside output. When
/// <see cref="UsageDetails.TotalTokenCount"/> is present it decides which convention a response used.
/// </summary>
public static class UsageDetailsNormalizer
{
    /// <summary>The additional-count key for cache writes (5-minute / default).</summary>
    public const string CacheCreationInputTokens = "CacheCreationInputTokens";

    /// <summary>The additional-count key for 1-hour cache writes, where an adapter splits them.</summary>
    public const string CacheCreation1hInputTokens = "CacheCreation1hInputTokens";

    private static readonly HashSet<string> CacheWriteKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        CacheCreationInputTokens, "cache_creation_input_tokens", CacheCreation1hInputTokens, "ephemeral_1h_input_tokens",
    };

    /// <summary>Normalizes the usage of one response.</summary>
    /// <param name="usage">The response's usage.</param>
    /// <param name="provider">The provider, used only when the counts alone cannot tell the convention (<c>google</c>, <c>gemini</c> report reasoning outside output).</param>
    /// <exception cref="UsageFormatException">A count is negative or the parts exceed the whole.</exception>
    public static TokenCounts Normalize(UsageDetails usage, string? provider = null)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var input = Count(usage.InputTokenCount, nameof(UsageDetails.InputTokenCount));
        var cached = Count(usage.CachedInputTokenCount, nameof(UsageDetails.CachedInputTokenCount));
        var output = Count(usage.OutputTokenCount, nameof(UsageDetails.OutputTokenCount));
        var reasoning = Count(usage.ReasoningTokenCount, nameof(UsageDetails.ReasoningTokenCount));
        var additional = usage.AdditionalCounts;
        var write1h = Additional(additional, CacheCreation1hInputTokens, "ephemeral_1h_input_tokens");
        var writeAll = Additional(additional, CacheCreationInputTokens, "cache_creation_input_tokens");
        var write5m = Math.Max(0, writeAll - write1h);
        var writes = write5m + write1h;

        // Writes are folded into the input count unless the total shows they were counted beside it.
        var total = usage.TotalTokenCount;
        var writesOutside = writes > 0 && total is { } t1 && (t1 == input + writes + output || t1 == input + writes + output + reasoning);
        var reasoningOutside = reasoning > 0 && (total is { } t2
            ? t2 == input + (writesOutside ? writes : 0) + output + reasoning
            : reasoning > output || provider is not null && (provider.Contains("google", StringComparison.OrdinalIgnoreCase) || provider.Contains("gemini", StringComparison.OrdinalIgnoreCase)));

        var uncached = input - cached - (writesOutside ? 0 : writes);
        if (uncached < 0)
        {
            throw new UsageFormatException(nameof(UsageDetails.InputTokenCount),
                string.Create(CultureInfo.InvariantCulture, $"{input} is less than cached ({cached}) plus cache writes ({writes}) it should include"));
        }

        var allOutput = reasoningOutside ? output + reasoning : output;
        if (reasoning > allOutput)
        {
            throw new UsageFormatException(nameof(UsageDetails.ReasoningTokenCount), string.Create(CultureInfo.InvariantCulture, $"{reasoning} exceeds the output count ({output})"));
        }

        // Created only when there is an extra count: most responses have none, and this runs on every recorded call.
        Dictionary<string, long>? extra = null;
#pragma warning disable MEAI001 // The audio counts are experimental in M.E.AI; they are informational extras here.
        AddExtra(ref extra, ExtraCounts.AudioInput, usage.InputAudioTokenCount);
        AddExtra(ref extra, ExtraCounts.AudioOutput, usage.OutputAudioTokenCount);
#pragma warning restore MEAI001
        if (additional is not null)
        {
            foreach (var (key, value) in additional)
            {
                if (!CacheWriteKeys.Contains(key))
                {
                    AddExtra(ref extra, key, value);
                }
            }
        }

        return new TokenCounts
        {
            Input = uncached,
            CacheRead = cached,
            CacheWrite = write5m,
            CacheWrite1h = write1h,
            Output = allOutput,
            Reasoning = reasoning,
            Extra = extra ?? TokenCounts.Zero.Extra,
        };
    }

    /// <summary>
    /// Normalizes a streamed response. Per the Microsoft.Extensions.AI contract each <see cref="UsageContent"/> is a
    /// delta, so the deltas are added before normalizing.
    /// </summary>
    public static TokenCounts NormalizeStream(IEnumerable<UsageDetails> deltas, string? provider = null)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var sum = new UsageDetails();
        foreach (var delta in deltas)
        {
            sum.Add(delta);
        }

        return Normalize(sum, provider);
    }

    private static long Count(long? value, string field) =>
        value is null or >= 0 ? value ?? 0 : throw new UsageFormatException(field, string.Create(CultureInfo.InvariantCulture, $"{value} is negative"));

    private static long Additional(AdditionalPropertiesDictionary<long>? counts, string key, string alternative) =>
        counts is null ? 0
        : counts.TryGetValue(key, out var value) || counts.TryGetValue(alternative, out value) ? Count(value, $"AdditionalCounts[{key}]")
        : 0;

    private static void AddExtra(ref Dictionary<string, long>? extra, string key, long? value)
    {
        if (value is > 0)
        {
            (extra ??= new Dictionary<string, long>(StringComparer.Ordinal))[key] = value.Value;
        }
    }
}
