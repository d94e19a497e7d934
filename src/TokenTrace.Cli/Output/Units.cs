using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>Display of energy and emissions with units that keep small and large values readable (4 significant digits).</summary>
internal static class Units
{
    public static string Energy(double wh) => wh switch
    {
        >= 1_000_000 => Significant(wh / 1_000_000) + " MWh",
        >= 1_000 => Significant(wh / 1_000) + " kWh",
        >= 1 or 0 => Significant(wh) + " Wh",
        _ => Significant(wh * 1_000) + " mWh",
    };

    public static string Co2e(double grams) => grams switch
    {
        >= 1_000_000 => Significant(grams / 1_000_000) + " t",
        >= 1_000 => Significant(grams / 1_000) + " kg",
        >= 1 or 0 => Significant(grams) + " g",
        _ => Significant(grams * 1_000) + " mg",
    };

    /// <summary>Four significant digits, the precision the worked example in docs/methodology/carbon.md is checked at.</summary>
    public static string Significant(double value) =>
        value == 0 ? "0" : value.ToString("G4", CultureInfo.InvariantCulture);
}
