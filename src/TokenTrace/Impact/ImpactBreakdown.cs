namespace TokenTrace;

/// <summary>Every input and intermediate value of one estimate, so that a reader can redo it by hand.</summary>
public sealed record ImpactBreakdown
{
    /// <summary>The model's architecture row (or the price-tier fallback).</summary>
    public required ModelArchitecture Architecture { get; init; }

    /// <summary>The provider profile used.</summary>
    public required ProviderProfile Provider { get; init; }

    /// <summary>The grid the emissions were computed for.</summary>
    public required GridRegion Grid { get; init; }

    /// <summary>How the region was chosen (<c>record</c>, <c>config model</c>, <c>config provider</c>, <c>config default</c>, <c>provider default</c>, <c>world</c>).</summary>
    public required string RegionRule { get; init; }

    /// <summary>Grid intensity used, gCO2e per kWh, after the basis (location or market) is applied.</summary>
    public required EstimateRange GramsPerKwh { get; init; }

    /// <summary>Accelerators the weights need (central assumptions).</summary>
    public required int Accelerators { get; init; }

    /// <summary>Prefilled tokens: uncached input, cache writes, and cache reads weighted by the cache-read factor (central).</summary>
    public required double PrefillTokens { get; init; }

    /// <summary>Accelerator-seconds per output token (central).</summary>
    public required double DecodeSecondsPerToken { get; init; }

    /// <summary>Accelerator-seconds per prefilled token for the weights' matrix multiplications, attention excluded (central).</summary>
    public required double PrefillSecondsPerToken { get; init; }

    /// <summary>Transformer layers used for the attention term (central; derived from the active parameters when undisclosed).</summary>
    public double Layers { get; init; }

    /// <summary>Attention width, query heads × head dimension (central; derived when undisclosed).</summary>
    public double AttentionWidth { get; init; }

    /// <summary>Accelerator-seconds of prompt attention, included in <see cref="AcceleratorSeconds"/> (central).</summary>
    public double AttentionSeconds { get; init; }

    /// <summary>Accelerator-seconds for the whole call (central).</summary>
    public required double AcceleratorSeconds { get; init; }

    /// <summary>On-site cooling water, mL (central): IT energy × the provider's WUE. Power-plant water is not included.</summary>
    public required double WaterMl { get; init; }

    /// <summary>The result.</summary>
    public required ImpactEstimate Estimate { get; init; }

    /// <summary>Assumptions and fallbacks worth telling the reader.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
