namespace TokenTrace.Hosting;

/// <summary>One model's prices from configuration (USD per million tokens); it replaces or adds a catalogue entry.</summary>
public sealed class PriceOverride : PerMillionRates
{
    /// <summary>The model name the prices are for.</summary>
    public string Model { get; set; } = "";

    /// <summary>The provider that sells the model at these prices.</summary>
    public string? Provider { get; set; }

    /// <summary>The first day these prices apply.</summary>
    public DateOnly? EffectiveFrom { get; set; }

    /// <summary>Rates for prompts above a size.</summary>
    public List<LongContextOverride> LongContext { get; set; } = [];

    /// <summary>Rates of non-standard service tiers by name (<c>batch</c>, <c>flex</c>, <c>priority</c>).</summary>
    public Dictionary<string, PerMillionRates> Tiers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The catalogue entry, with <paramref name="source"/> (the config file) as its source.</summary>
    public ModelPrice ToModelPrice(string? source) => new()
    {
        Name = Model,
        Provider = Provider,
        EffectiveFrom = EffectiveFrom,
        Source = source,
        Rates = ToTokenRates(),
        LongContext = [.. LongContext.OrderBy(l => l.Above).Select(l => new LongContextRates(l.Above, l.ToTokenRates()))],
        ServiceTiers = Tiers.ToDictionary(t => t.Key, t => t.Value.ToTokenRates(), StringComparer.OrdinalIgnoreCase),
    };
}
