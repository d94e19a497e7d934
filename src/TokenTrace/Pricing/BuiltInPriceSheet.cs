using System.Globalization;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// Reads the catalogue written and curated in this project (<c>Pricing/builtin-prices.json</c>, embedded):
/// per provider a source page, per model prices in USD per million tokens with the date they took effect.
/// </summary>
internal static class BuiltInPriceSheet
{
    private const decimal PerMillion = 0.000001m;

    public static PriceSheet Load()
    {
        using var stream = typeof(BuiltInPriceSheet).Assembly.GetManifestResourceStream("TokenTrace.builtin-prices.json")
            ?? throw new InvalidOperationException("The built-in price catalogue is missing from the assembly.");
        return Read(stream);
    }

    /// <summary>Bedrock's regional-endpoint premium, as the built-in catalogue states it.</summary>
    public static RegionalUplift BedrockRegionalUplift => UpliftHolder.Instance;

    public static PriceSheet Read(Stream stream)
    {
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var layer = $"builtin@{root.GetProperty("version").GetString()}";
        var prices = new List<ModelPrice>();
        foreach (var provider in root.GetProperty("providers").EnumerateObject())
        {
            var source = provider.Value.GetProperty("source").GetString();
            foreach (var model in provider.Value.GetProperty("models").EnumerateArray())
            {
                prices.Add(ReadModel(model, provider.Name, source, layer));
            }
        }

        return new PriceSheet(layer, prices, []);
    }

    private static RegionalUplift ReadUplift()
    {
        using var stream = typeof(BuiltInPriceSheet).Assembly.GetManifestResourceStream("TokenTrace.builtin-prices.json")
            ?? throw new InvalidOperationException("The built-in price catalogue is missing from the assembly.");
        using var document = JsonDocument.Parse(stream);
        var uplift = document.RootElement.GetProperty("bedrockRegionalUplift");
        return new RegionalUplift(
            uplift.GetProperty("rate").GetDecimal(),
            uplift.GetProperty("source").GetString()!,
            uplift.GetProperty("prefixes").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase),
            uplift.GetProperty("models").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase));
    }

    private static ModelPrice ReadModel(JsonElement model, string provider, string? source, string layer)
    {
        var tiers = new Dictionary<string, TokenRates>(StringComparer.OrdinalIgnoreCase);
        if (model.TryGetProperty("tiers", out var tierElement))
        {
            foreach (var tier in tierElement.EnumerateObject())
            {
                tiers[tier.Name] = Rates(tier.Value);
            }
        }

        var longContext = new List<LongContextRates>();
        if (model.TryGetProperty("longContext", out var longElement))
        {
            foreach (var item in longElement.EnumerateArray())
            {
                longContext.Add(new LongContextRates(item.GetProperty("above").GetInt64(), Rates(item)));
            }
        }

        var perUnit = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (model.TryGetProperty("perUnit", out var unitElement))
        {
            foreach (var unit in unitElement.EnumerateObject())
            {
                perUnit[unit.Name] = unit.Value.GetDecimal();
            }
        }

        var price = new ModelPrice
        {
            Name = model.GetProperty("name").GetString()!,
            Provider = provider,
            EffectiveFrom = DateOnly.ParseExact(model.GetProperty("effectiveFrom").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            Source = source,
            Catalog = layer,
            Mode = model.TryGetProperty("mode", out var mode) ? mode.GetString() : "chat",
            Rates = Rates(model),
            LongContext = longContext,
            ServiceTiers = tiers,
            PerUnit = perUnit,
            Aliases = model.TryGetProperty("aliases", out var aliases) ? [.. aliases.EnumerateArray().Select(a => a.GetString()!)] : [],
        };
        return PriceBounds.Problem(price) is { } problem ? throw new FormatException($"{layer}: {price.Name}: {problem}") : price;
    }

    private static TokenRates Rates(JsonElement element) => new()
    {
        Input = PerToken(element, "input"),
        Output = PerToken(element, "output"),
        CacheRead = PerToken(element, "cacheRead"),
        CacheWrite = PerToken(element, "cacheWrite"),
        CacheWrite1h = PerToken(element, "cacheWrite1h"),
        Reasoning = PerToken(element, "reasoning"),
    };

    private static decimal? PerToken(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? DecimalCanonical.Trim(value.GetDecimal() * PerMillion) : null;

    private static class UpliftHolder
    {
        public static readonly RegionalUplift Instance = ReadUplift();
    }
}
