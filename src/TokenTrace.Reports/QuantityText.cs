using System.Globalization;

namespace TokenTrace.Reports;

/// <summary>
/// Energy and emissions with a scaled unit and three significant digits: "3.08 kWh", not "3,076.956 Wh". Estimates
/// are uncertain to tens of percent, so more digits would claim a precision the method does not have.
/// </summary>
internal static class QuantityText
{
    private static readonly (double Factor, string Unit)[] EnergyUnits = [(1e-3, "mWh"), (1, "Wh"), (1e3, "kWh"), (1e6, "MWh")];
    private static readonly (double Factor, string Unit)[] MassUnits = [(1e-3, "mg"), (1, "g"), (1e3, "kg"), (1e6, "t")];

    /// <summary>Watt-hours in mWh, Wh, kWh or MWh.</summary>
    public static string Energy(double wh) => Scaled(wh, EnergyUnits);

    /// <summary>Grams of CO2e in mg, g, kg or t.</summary>
    public static string Co2e(double grams) => Scaled(grams, MassUnits);

    /// <summary>The low–high bounds of an energy estimate: "1.2–6.1 kWh" (each bound scaled on its own when units differ).</summary>
    public static string EnergyRange(EstimateRange range) => Range(range, EnergyUnits);

    /// <summary>The low–high bounds of an emissions estimate.</summary>
    public static string Co2eRange(EstimateRange range) => Range(range, MassUnits);

    /// <summary>Axis ticks in one unit chosen by the top tick, so every tick of a chart reads in the same unit.</summary>
    public static Func<decimal, string> Co2eTicks(decimal top)
    {
        var (factor, unit) = Pick((double)top, MassUnits);
        var divisor = (decimal)factor;
        return tick => (tick / divisor).ToString("#,0.############", CultureInfo.InvariantCulture) + " " + unit;
    }

    private static double RoundSignificant(double value)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return value;
        }

        var scale = Math.Pow(10, 2 - Math.Floor(Math.Log10(Math.Abs(value))));
        return Math.Round(value * scale) / scale;
    }

    private static string Scaled(double value, (double Factor, string Unit)[] units)
    {
        var (number, unit) = Split(value, units);
        return number + " " + unit;
    }

    private static string Range(EstimateRange range, (double Factor, string Unit)[] units)
    {
        var (low, lowUnit) = Split(range.Low, units);
        var (high, highUnit) = Split(range.High, units);
        return lowUnit == highUnit ? $"{low}–{high} {highUnit}" : $"{low} {lowUnit} – {high} {highUnit}";
    }

    private static (string Number, string Unit) Split(double value, (double Factor, string Unit)[] units)
    {
        // Rounding first means 999.7 Wh becomes "1 kWh", not "1000 Wh".
        var rounded = RoundSignificant(value);
        var (factor, unit) = Pick(rounded, units);
        return (Math.Round(rounded / factor, 6).ToString("#,0.######", CultureInfo.InvariantCulture), unit);
    }

    private static (double Factor, string Unit) Pick(double value, (double Factor, string Unit)[] units)
    {
        var magnitude = Math.Abs(value);
        if (magnitude == 0)
        {
            return units[1];
        }

        var chosen = units[0];
        foreach (var candidate in units)
        {
            if (magnitude >= candidate.Factor)
            {
                chosen = candidate;
            }
        }

        return chosen;
    }
}
