namespace TokenTrace;

/// <summary>The <c>impact:</c> section of the configuration.</summary>
public sealed class ImpactSettings
{
    /// <summary>Location-based (default) or market-based emissions.</summary>
    public CarbonBasis Basis { get; set; } = CarbonBasis.Location;

    /// <summary>Regions by model name or provider, used when a call names no region (model wins over provider).</summary>
    public IDictionary<string, string> Regions { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
