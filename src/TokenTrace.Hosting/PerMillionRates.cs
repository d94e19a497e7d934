namespace TokenTrace.Hosting;

/// <summary>Token rates as people write them in configuration: USD per million tokens. Null leaves a rate unset.</summary>
public class PerMillionRates
{
    private const decimal PerMillion = 0.000001m;

    /// <summary>Uncached input.</summary>
    public decimal? Input { get; set; }

    /// <summary>Output (reasoning included unless <see cref="Reasoning"/> is set).</summary>
    public decimal? Output { get; set; }

    /// <summary>Input read from the prompt cache.</summary>
    public decimal? CacheRead { get; set; }

    /// <summary>Input written to a 5-minute prompt cache.</summary>
    public decimal? CacheWrite { get; set; }

    /// <summary>Input written to a 1-hour prompt cache.</summary>
    public decimal? CacheWrite1h { get; set; }

    /// <summary>Reasoning output, when priced apart from other output.</summary>
    public decimal? Reasoning { get; set; }

    /// <summary>The rates per token.</summary>
    public TokenRates ToTokenRates() => new()
    {
        Input = Input * PerMillion,
        Output = Output * PerMillion,
        CacheRead = CacheRead * PerMillion,
        CacheWrite = CacheWrite * PerMillion,
        CacheWrite1h = CacheWrite1h * PerMillion,
        Reasoning = Reasoning * PerMillion,
    };

    /// <summary>The first rate that is negative, by name, or null.</summary>
    /// <summary>The largest rate an override may give, USD per million tokens (<see cref="UsageLimits.MaxRatePerToken"/> × 10⁶).</summary>
    internal const decimal MaxPerMillion = UsageLimits.MaxRatePerToken * 1_000_000m;

    internal string? FindOutOfRange() =>
        Input is < 0 or > MaxPerMillion ? nameof(Input) : Output is < 0 or > MaxPerMillion ? nameof(Output)
        : CacheRead is < 0 or > MaxPerMillion ? nameof(CacheRead) : CacheWrite is < 0 or > MaxPerMillion ? nameof(CacheWrite)
        : CacheWrite1h is < 0 or > MaxPerMillion ? nameof(CacheWrite1h) : Reasoning is < 0 or > MaxPerMillion ? nameof(Reasoning) : null;

    internal string? FindNegative() =>
        Input < 0 ? nameof(Input) : Output < 0 ? nameof(Output) : CacheRead < 0 ? nameof(CacheRead)
        : CacheWrite < 0 ? nameof(CacheWrite) : CacheWrite1h < 0 ? nameof(CacheWrite1h) : Reasoning < 0 ? nameof(Reasoning) : null;
}
