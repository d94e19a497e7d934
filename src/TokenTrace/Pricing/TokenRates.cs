namespace TokenTrace;

/// <summary>
/// Prices in US dollars per token for each bucket. A null rate means the catalogue does not say; the
/// <see cref="CostCalculator"/> documents what it falls back to.
/// </summary>
public sealed record TokenRates
{
    /// <summary>Uncached input.</summary>
    public decimal? Input { get; init; }

    /// <summary>Output (reasoning included unless <see cref="Reasoning"/> is set).</summary>
    public decimal? Output { get; init; }

    /// <summary>Cache reads.</summary>
    public decimal? CacheRead { get; init; }

    /// <summary>5-minute (default) cache writes.</summary>
    public decimal? CacheWrite { get; init; }

    /// <summary>1-hour cache writes.</summary>
    public decimal? CacheWrite1h { get; init; }

    /// <summary>Reasoning output, where a provider prices it apart from other output.</summary>
    public decimal? Reasoning { get; init; }

    /// <summary>Whether no rate is set at all.</summary>
    public bool IsEmpty => Input is null && Output is null && CacheRead is null && CacheWrite is null && CacheWrite1h is null && Reasoning is null;

    /// <summary>These rates with every rate <paramref name="overlay"/> sets replacing this one's.</summary>
    public TokenRates Overlay(TokenRates overlay)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        return new TokenRates
        {
            Input = overlay.Input ?? Input,
            Output = overlay.Output ?? Output,
            CacheRead = overlay.CacheRead ?? CacheRead,
            CacheWrite = overlay.CacheWrite ?? CacheWrite,
            CacheWrite1h = overlay.CacheWrite1h ?? CacheWrite1h,
            Reasoning = overlay.Reasoning ?? Reasoning,
        };
    }

    /// <summary>Every rate multiplied by <paramref name="factor"/>.</summary>
    public TokenRates Scale(decimal factor) => new()
    {
        Input = Input * factor,
        Output = Output * factor,
        CacheRead = CacheRead * factor,
        CacheWrite = CacheWrite * factor,
        CacheWrite1h = CacheWrite1h * factor,
        Reasoning = Reasoning * factor,
    };
}
