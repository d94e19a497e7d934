namespace TokenTrace;

/// <summary>The prices of one model from one date on, as one catalogue states them.</summary>
public sealed record ModelPrice
{
    /// <summary>The catalogue key (for example <c>claude-sonnet-4-5</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The provider that sells the model at these prices.</summary>
    public string? Provider { get; init; }

    /// <summary>The first day these prices applied; null when the catalogue does not say.</summary>
    public DateOnly? EffectiveFrom { get; init; }

    /// <summary>Where the prices come from (a pricing page, a file).</summary>
    public string? Source { get; init; }

    /// <summary>The catalogue layer that holds the entry (<c>builtin@…</c>, <c>litellm:…</c>, <c>config</c>).</summary>
    public string Catalog { get; init; } = "";

    /// <summary>The kind of model (<c>chat</c>, <c>embedding</c>…), as the catalogue says.</summary>
    public string? Mode { get; init; }

    /// <summary>Standard per-token rates.</summary>
    public TokenRates Rates { get; init; } = new();

    /// <summary>Long-context rates, lowest threshold first.</summary>
    public IReadOnlyList<LongContextRates> LongContext { get; init; } = [];

    /// <summary>Rates of non-standard service tiers by name (<c>batch</c>, <c>flex</c>, <c>priority</c>).</summary>
    public IReadOnlyDictionary<string, TokenRates> ServiceTiers { get; init; } = EmptyTiers;

    /// <summary>A fixed price per request, if any.</summary>
    public decimal? PerRequest { get; init; }

    /// <summary>Prices per unit of an extra count (<see cref="ExtraCounts"/>), such as per web search or per image.</summary>
    public IReadOnlyDictionary<string, decimal> PerUnit { get; init; } = EmptyUnits;

    /// <summary>Other names this entry answers to.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>
    /// The catalogue layer that gave each field, by path (<c>input</c>, <c>longContext[200000].output</c>, <c>tiers.batch.input</c>,
    /// <c>perUnit.web_search_requests</c>): layers merge field by field, so one entry can hold rates from several. Filled by
    /// <see cref="PriceCatalogBuilder"/>; a field not listed comes from <see cref="Catalog"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> RateSources { get; init; } = EmptySources;

    private static readonly IReadOnlyDictionary<string, string> EmptySources = new Dictionary<string, string>();
    private static readonly IReadOnlyDictionary<string, TokenRates> EmptyTiers = new Dictionary<string, TokenRates>();
    private static readonly IReadOnlyDictionary<string, decimal> EmptyUnits = new Dictionary<string, decimal>();
}
