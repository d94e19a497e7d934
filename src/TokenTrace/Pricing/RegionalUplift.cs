namespace TokenTrace;

/// <summary>
/// Bedrock's premium on geography-pinned (regional) endpoints over global ones, for the models it applies to, as the
/// built-in catalogue states it (<c>bedrockRegionalUplift</c> in <c>builtin-prices.json</c>).
/// </summary>
/// <param name="Rate">The premium as a fraction (0.1 for 10 %).</param>
/// <param name="Source">Where the premium is published.</param>
/// <param name="Prefixes">The model id prefixes that pin a geography (<c>us</c>, <c>eu</c>…; <c>global</c> is not one).</param>
/// <param name="Models">The catalogue entries the premium applies to.</param>
internal sealed record RegionalUplift(decimal Rate, string Source, IReadOnlySet<string> Prefixes, IReadOnlySet<string> Models)
{
    /// <summary>Whether a call to <paramref name="entry"/> through the <paramref name="region"/> prefix carries the premium.</summary>
    public bool AppliesTo(string? region, string entry) => region is not null && Prefixes.Contains(region) && Models.Contains(entry);

    /// <summary><paramref name="price"/> with every token rate raised by the premium; per-unit prices (web searches) are not token prices and stay.</summary>
    public ModelPrice Apply(ModelPrice price, string region)
    {
        var factor = 1m + Rate;
        return price with
        {
            Provider = "bedrock",
            Source = Source,
            Rates = price.Rates.Scale(factor),
            LongContext = [.. price.LongContext.Select(l => l with { Rates = l.Rates.Scale(factor) })],
            ServiceTiers = price.ServiceTiers.ToDictionary(t => t.Key, t => t.Value.Scale(factor), StringComparer.OrdinalIgnoreCase),
        };
    }
}
