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
    /// <summary>
    /// Whether a call to <paramref name="entry"/> through the <paramref name="region"/> prefix carries the premium. The
    /// entry may be a reseller's copy under Bedrock's own id (an imported LiteLLM <c>anthropic.claude-sonnet-4-5-20250929-v1:0</c>):
    /// its family name decides, as for the built-in entry, so importing a catalogue does not drop the premium.
    /// </summary>
    public bool AppliesTo(string? region, string entry) => region is not null && Prefixes.Contains(region) && (Models.Contains(entry) || Models.Contains(Family(entry)));

    /// <summary><c>anthropic.claude-sonnet-4-5-20250929-v1:0</c> → <c>claude-sonnet-4-5</c>.</summary>
    private static string Family(string entry)
    {
        var name = entry.StartsWith("anthropic.", StringComparison.OrdinalIgnoreCase) ? entry["anthropic.".Length..] : entry;
        var version = name.LastIndexOf("-v", StringComparison.OrdinalIgnoreCase);
        if (version > 0 && name.IndexOf(':', version) > 0)
        {
            name = name[..version];
        }

        var dash = name.LastIndexOf('-');
        return dash > 0 && name.Length - dash - 1 == 8 && name[(dash + 1)..].All(char.IsAsciiDigit) ? name[..dash] : name;
    }

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
