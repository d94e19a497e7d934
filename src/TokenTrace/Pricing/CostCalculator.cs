using System.Globalization;

namespace TokenTrace;

/// <summary>
/// Prices token counts with a <see cref="ModelPrice"/>, in <see cref="decimal"/> throughout.
/// </summary>
/// <remarks>
/// Rules, in order:
/// <list type="number">
/// <item>Long context: when the prompt (all input buckets) exceeds a threshold, that threshold's rates replace the
/// standard ones for every bucket of the request; buckets it leaves unpriced keep the standard rate.</item>
/// <item>Service tier: a named tier (<c>batch</c>, <c>flex</c>, <c>priority</c>) uses the tier's rates; buckets the tier
/// leaves unpriced are the standard rate scaled by the tier's input discount. A tier the price does not list
/// cannot be priced (null cost), because guessing a discount would be a silently wrong number.</item>
/// <item>Fallbacks: cache reads and 5-minute writes without a rate bill at the input rate; 1-hour writes without a
/// rate bill at the 5-minute rate, else the input rate; reasoning without its own rate bills at the output rate.</item>
/// </list>
/// </remarks>
public static class CostCalculator
{
    /// <summary>Tier names that mean "standard pricing".</summary>
    private static readonly HashSet<string> StandardTiers = new(StringComparer.OrdinalIgnoreCase) { "", "standard", "default", "auto", "on_demand", "on-demand" };

    /// <summary>Prices <paramref name="tokens"/> with <paramref name="price"/> on <paramref name="serviceTier"/>.</summary>
    public static CostResult Calculate(ModelPrice price, TokenCounts tokens, string? serviceTier = null)
    {
        ArgumentNullException.ThrowIfNull(price);
        ArgumentNullException.ThrowIfNull(tokens);
        List<string>? notes = null;
        var rates = price.Rates;

        var prompt = tokens.Prompt;
        LongContextRates? longContext = null;
        foreach (var tier in price.LongContext)
        {
            if (prompt > tier.AboveTokens && (longContext is null || tier.AboveTokens > longContext.AboveTokens))
            {
                longContext = tier;
            }
        }

        if (longContext is not null)
        {
            rates = rates.Overlay(longContext.Rates);
            (notes ??= []).Add(string.Create(CultureInfo.InvariantCulture, $"prompt of {prompt:N0} tokens exceeds {longContext.AboveTokens:N0}: long-context rates for the whole request"));
        }

        if (serviceTier is not null && !StandardTiers.Contains(serviceTier))
        {
            if (!TryFindTier(price, serviceTier, out var tierRates))
            {
                return new CostResult(null, $"no '{serviceTier}' tier price for {price.Name}");
            }

            var factor = price.Rates.Input is > 0m && tierRates.Input is { } tierInput ? tierInput / price.Rates.Input.Value : (decimal?)null;
            if (longContext is not null)
            {
                if (factor is null)
                {
                    return new CostResult(null, $"the '{serviceTier}' tier of {price.Name} has no input rate to scale long-context rates by");
                }

                rates = rates.Scale(factor.Value);
            }
            else
            {
                rates = (factor is null ? price.Rates : price.Rates.Scale(factor.Value)).Overlay(tierRates);
            }

            (notes ??= []).Add($"'{serviceTier}' tier rates");
        }

        var inputRate = rates.Input;
        var cacheReadRate = rates.CacheRead ?? inputRate;
        var cacheWriteRate = rates.CacheWrite ?? inputRate;
        var cacheWrite1hRate = rates.CacheWrite1h ?? rates.CacheWrite ?? inputRate;
        var outputRate = rates.Output;
        var reasoningRate = rates.Reasoning ?? outputRate;

        var missing = Missing(tokens.Input, inputRate, "input") ?? Missing(tokens.CacheRead, cacheReadRate, "cache read")
            ?? Missing(tokens.CacheWrite, cacheWriteRate, "cache write") ?? Missing(tokens.CacheWrite1h, cacheWrite1hRate, "1-hour cache write")
            ?? Missing(tokens.Output - tokens.Reasoning, outputRate, "output") ?? Missing(tokens.Reasoning, reasoningRate, "reasoning");
        if (missing is not null)
        {
            return new CostResult(null, $"{price.Name} has no {missing} price");
        }

        var other = price.PerRequest ?? 0m;
        foreach (var (key, count) in tokens.Extra)
        {
            if (count > 0 && price.PerUnit.TryGetValue(key, out var unitPrice))
            {
                other += count * unitPrice;
            }
        }

        var breakdown = new CostBreakdown
        {
            Input = tokens.Input * (inputRate ?? 0m),
            CacheRead = tokens.CacheRead * (cacheReadRate ?? 0m),
            CacheWrite = tokens.CacheWrite * (cacheWriteRate ?? 0m),
            CacheWrite1h = tokens.CacheWrite1h * (cacheWrite1hRate ?? 0m),
            Output = ((tokens.Output - tokens.Reasoning) * (outputRate ?? 0m)) + (tokens.Reasoning * (reasoningRate ?? 0m)),
            Other = other,
            AppliedRates = new TokenRates
            {
                Input = inputRate,
                Output = outputRate,
                CacheRead = cacheReadRate,
                CacheWrite = cacheWriteRate,
                CacheWrite1h = cacheWrite1hRate,
                Reasoning = reasoningRate,
            },
            Notes = (IReadOnlyList<string>?)notes ?? [],
        };
        return new CostResult(breakdown, null);

        static string? Missing(long count, decimal? rate, string bucket) => count > 0 && rate is null ? bucket : null;
    }

    private static bool TryFindTier(ModelPrice price, string serviceTier, out TokenRates rates)
    {
        foreach (var (name, tierRates) in price.ServiceTiers)
        {
            if (string.Equals(name, serviceTier, StringComparison.OrdinalIgnoreCase))
            {
                rates = tierRates;
                return true;
            }
        }

        rates = new TokenRates();
        return false;
    }
}
