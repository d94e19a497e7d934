using System.Globalization;

namespace TokenTrace;

/// <summary>
/// Lays one catalogue's entry over another's for the same model and seller, field by field: a rate the upper entry gives
/// replaces the lower one's, every other rate (batch, flex and priority tiers, long-context thresholds, per-unit prices)
/// stays. <see cref="ModelPrice.RateSources"/> records which layer gave each field.
/// </summary>
internal static class ModelPriceMerge
{
    public static ModelPrice Overlay(ModelPrice lower, ModelPrice upper)
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in Fields(lower))
        {
            sources[field] = lower.RateSources.GetValueOrDefault(field) ?? lower.Catalog;
        }

        foreach (var field in Fields(upper))
        {
            sources[field] = upper.Catalog;
        }

        var longContext = lower.LongContext.ToDictionary(l => l.AboveTokens, l => l.Rates);
        foreach (var item in upper.LongContext)
        {
            longContext[item.AboveTokens] = longContext.TryGetValue(item.AboveTokens, out var rates) ? rates.Overlay(item.Rates) : item.Rates;
        }

        var tiers = new Dictionary<string, TokenRates>(lower.ServiceTiers, StringComparer.OrdinalIgnoreCase);
        foreach (var (tier, rates) in upper.ServiceTiers)
        {
            tiers[tier] = tiers.TryGetValue(tier, out var old) ? old.Overlay(rates) : rates;
        }

        var perUnit = new Dictionary<string, decimal>(lower.PerUnit, StringComparer.Ordinal);
        foreach (var (unit, price) in upper.PerUnit)
        {
            perUnit[unit] = price;
        }

        return lower with
        {
            Provider = lower.Provider ?? upper.Provider,
            EffectiveFrom = upper.EffectiveFrom ?? lower.EffectiveFrom,
            Source = upper.Source ?? lower.Source,
            Catalog = upper.Catalog,
            Mode = upper.Mode ?? lower.Mode,
            Rates = lower.Rates.Overlay(upper.Rates),
            LongContext = [.. longContext.OrderBy(p => p.Key).Select(p => new LongContextRates(p.Key, p.Value))],
            ServiceTiers = tiers,
            PerRequest = upper.PerRequest ?? lower.PerRequest,
            PerUnit = perUnit,
            Aliases = [.. lower.Aliases.Union(upper.Aliases, StringComparer.OrdinalIgnoreCase)],
            RateSources = sources,
        };
    }

    /// <summary>The paths of the fields <paramref name="price"/> sets (<c>input</c>, <c>longContext[200000].output</c>, <c>tiers.batch.input</c>…).</summary>
    public static IEnumerable<string> Fields(ModelPrice price)
    {
        foreach (var field in RateFields(price.Rates))
        {
            yield return field;
        }

        foreach (var item in price.LongContext)
        {
            foreach (var field in RateFields(item.Rates))
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"longContext[{item.AboveTokens}].{field}");
            }
        }

        foreach (var (tier, rates) in price.ServiceTiers)
        {
            foreach (var field in RateFields(rates))
            {
                yield return $"tiers.{tier}.{field}";
            }
        }

        if (price.PerRequest is not null)
        {
            yield return "perRequest";
        }

        foreach (var unit in price.PerUnit.Keys)
        {
            yield return "perUnit." + unit;
        }
    }

    private static IEnumerable<string> RateFields(TokenRates rates)
    {
        if (rates.Input is not null)
        {
            yield return "input";
        }

        if (rates.Output is not null)
        {
            yield return "output";
        }

        if (rates.CacheRead is not null)
        {
            yield return "cacheRead";
        }

        if (rates.CacheWrite is not null)
        {
            yield return "cacheWrite";
        }

        if (rates.CacheWrite1h is not null)
        {
            yield return "cacheWrite1h";
        }

        if (rates.Reasoning is not null)
        {
            yield return "reasoning";
        }
    }
}
