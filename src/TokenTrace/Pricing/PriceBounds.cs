using System.Globalization;

namespace TokenTrace;

/// <summary>Checks a price entry against <see cref="UsageLimits"/>: every rate finite, at least 0 and at most its bound.</summary>
internal static class PriceBounds
{
    /// <summary>The first problem of <paramref name="price"/> as "field: why", or null when every rate is within its bound.</summary>
    public static string? Problem(ModelPrice price)
    {
        if (Problem("", price.Rates) is { } standard)
        {
            return standard;
        }

        foreach (var longContext in price.LongContext)
        {
            if (longContext.AboveTokens is < 0 or > UsageLimits.MaxLongContextThreshold)
            {
                return string.Create(CultureInfo.InvariantCulture, $"longContext.above: {longContext.AboveTokens} is outside 0..{UsageLimits.MaxLongContextThreshold} tokens");
            }

            if (Problem(string.Create(CultureInfo.InvariantCulture, $"longContext[{longContext.AboveTokens}]."), longContext.Rates) is { } problem)
            {
                return problem;
            }
        }

        foreach (var (tier, rates) in price.ServiceTiers)
        {
            if (Problem($"tiers.{tier}.", rates) is { } problem)
            {
                return problem;
            }
        }

        if (price.PerRequest is { } perRequest && PerUnitProblem("perRequest", perRequest) is { } request)
        {
            return request;
        }

        foreach (var (unit, rate) in price.PerUnit)
        {
            if (PerUnitProblem("perUnit." + unit, rate) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>The problem of one per-token rate, or null.</summary>
    public static string? PerTokenProblem(string field, decimal rate) =>
        rate is < 0 or > UsageLimits.MaxRatePerToken
            ? string.Create(CultureInfo.InvariantCulture, $"{field}: {rate} USD per token is outside 0..{UsageLimits.MaxRatePerToken} (at most ${UsageLimits.MaxRatePerToken * 1_000_000m:0} per million tokens; docs/methodology/limits.md)")
            : null;

    /// <summary>The problem of one per-request or per-unit rate, or null.</summary>
    public static string? PerUnitProblem(string field, decimal rate) =>
        rate is < 0 or > UsageLimits.MaxRatePerUnit
            ? string.Create(CultureInfo.InvariantCulture, $"{field}: {rate} USD per unit is outside 0..{UsageLimits.MaxRatePerUnit} (docs/methodology/limits.md)")
            : null;

    private static string? Problem(string prefix, TokenRates rates) =>
        Check(prefix + "input", rates.Input) ?? Check(prefix + "output", rates.Output) ?? Check(prefix + "cacheRead", rates.CacheRead)
        ?? Check(prefix + "cacheWrite", rates.CacheWrite) ?? Check(prefix + "cacheWrite1h", rates.CacheWrite1h) ?? Check(prefix + "reasoning", rates.Reasoning);

    private static string? Check(string field, decimal? rate) => rate is { } value ? PerTokenProblem(field, value) : null;
}
