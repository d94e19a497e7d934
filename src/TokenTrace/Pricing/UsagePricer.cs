namespace TokenTrace;

/// <summary>Puts a cost on records from a <see cref="PriceCatalog"/>; the one place records get priced, for recording and re-pricing alike.</summary>
public sealed class UsagePricer
{
    /// <summary>Creates a pricer over <paramref name="catalog"/>.</summary>
    public UsagePricer(PriceCatalog catalog) => Catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));

    /// <summary>The catalogue prices come from.</summary>
    public PriceCatalog Catalog { get; }

    /// <summary>
    /// Returns <paramref name="record"/> with <see cref="UsageRecord.CostUsd"/> and <see cref="UsageRecord.Price"/> set
    /// from the catalogue, or both null when no price applies, with the reason in <paramref name="problem"/>.
    /// </summary>
    public UsageRecord Price(UsageRecord record, out string? problem)
    {
        var cost = Compute(record, out var reference, out problem);
        return cost == record.CostUsd && reference == record.Price ? record : record with { CostUsd = cost, Price = reference };
    }

    /// <summary>
    /// The cost of <paramref name="record"/> and the entry it comes from, or null (with the reason in
    /// <paramref name="problem"/>) when no price applies.
    /// </summary>
    public decimal? Compute(UsageRecord record, out PriceReference? reference, out string? problem) =>
        Compute(record, out reference, out problem, out _);

    /// <summary>
    /// <see cref="Compute(UsageRecord, out PriceReference?, out string?)"/>, and who sells the model at that price when
    /// the record does not say (<paramref name="seller"/>; null when it gives a provider or has no price), under the
    /// seller's one name: the name itself when it says where it was bought (a Bedrock id, an <c>openrouter/</c> prefix),
    /// else the entry's provider (LiteLLM's <c>vertex_ai-language-models</c> is <c>vertex</c>).
    /// </summary>
    internal decimal? Compute(UsageRecord record, out PriceReference? reference, out string? problem, out string? seller)
    {
        ArgumentNullException.ThrowIfNull(record);
        var price = Catalog.Find(record.Model, record.Provider, record.Timestamp);
        seller = price is null || record.Provider is not null ? null : PriceSellers.FromModelName(record.Model) ?? PriceSellers.Key(price.Provider);
        if (price is null)
        {
            reference = null;
            problem = Catalog.SnapshotWarning(record.Model, record.Provider)
                ?? $"no price for model '{record.Model}'" + (record.Provider is null ? "" : $" (provider '{record.Provider}')");
            return null;
        }

        var result = CostCalculator.Calculate(price, record.Tokens, record.ServiceTier);
        problem = result.Problem;
        reference = result.Total is null ? null : new PriceReference(price.Name, price.EffectiveFrom, price.Catalog);
        seller = result.Total is null ? null : seller;
        return result.Total;
    }
}
