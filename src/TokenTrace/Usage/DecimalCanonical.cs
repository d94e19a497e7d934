namespace TokenTrace;

/// <summary>
/// Strips the trailing zeros that decimal multiplication leaves (<c>0.004500000</c> becomes <c>0.0045</c>), so stored and
/// printed amounts are canonical and a stored amount reads back equal, digit for digit.
/// </summary>
public static class DecimalCanonical
{
    /// <summary><paramref name="value"/> with no trailing zeros after the decimal point.</summary>
    public static decimal Trim(decimal value) => value / 1.000000000000000000000000000000000m;

    /// <summary><paramref name="value"/> with no trailing zeros after the decimal point, or null.</summary>
    public static decimal? Trim(decimal? value) => value is { } v ? Trim(v) : null;
}
