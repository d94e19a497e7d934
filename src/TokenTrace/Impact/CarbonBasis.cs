namespace TokenTrace;

/// <summary>How grid emissions are attributed.</summary>
public enum CarbonBasis
{
    /// <summary>The physical grid's average intensity where the call ran (the Software Carbon Intensity default).</summary>
    Location,

    /// <summary>Intensity after the operator's carbon-free energy purchases, where published; location-based elsewhere.</summary>
    Market,
}
