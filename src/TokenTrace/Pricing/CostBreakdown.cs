namespace TokenTrace;

/// <summary>What each bucket of a call cost, and which rates applied.</summary>
public sealed record CostBreakdown
{
    /// <summary>Uncached input.</summary>
    public decimal Input { get; init; }

    /// <summary>Cache reads.</summary>
    public decimal CacheRead { get; init; }

    /// <summary>5-minute cache writes.</summary>
    public decimal CacheWrite { get; init; }

    /// <summary>1-hour cache writes.</summary>
    public decimal CacheWrite1h { get; init; }

    /// <summary>Output, reasoning included.</summary>
    public decimal Output { get; init; }

    /// <summary>Per-unit and per-request charges.</summary>
    public decimal Other { get; init; }

    /// <summary>The sum of all parts.</summary>
    public decimal Total => Input + CacheRead + CacheWrite + CacheWrite1h + Output + Other;

    /// <summary>The rates that were applied, after long-context and tier rules.</summary>
    public required TokenRates AppliedRates { get; init; }

    /// <summary>Notes on the rules that applied (long context, tier, fallbacks).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
