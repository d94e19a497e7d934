namespace TokenTrace;

/// <summary>Strips the trailing zeros that decimal multiplication leaves, so stored and printed amounts are canonical.</summary>
internal static class DecimalCanonical
{
    public static decimal Trim(decimal value) => value / 1.000000000000000000000000000000000m;

    public static decimal? Trim(decimal? value) => value is { } v ? Trim(v) : null;
}
