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
        ArgumentNullException.ThrowIfNull(record);
        var price = Catalog.Find(record.Model, record.Provider, record.Timestamp);
        if (price is null)
        {
            problem = $"no price for model '{record.Model}'" + (record.Provider is null ? "" : $" (provider '{record.Provider}')");
            return record.CostUsd is null && record.Price is null ? record : record with { CostUsd = null, Price = null };
        }

        var result = CostCalculator.Calculate(price, record.Tokens, record.ServiceTier);
        problem = result.Problem;
        return record with
        {
            CostUsd = DecimalCanonical.Trim(result.Total),
            Price = result.Total is null ? null : new PriceReference(price.Name, price.EffectiveFrom, price.Catalog),
        };
    }
}
