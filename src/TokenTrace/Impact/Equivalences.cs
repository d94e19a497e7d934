namespace TokenTrace;

/// <summary>
/// Everyday equivalents of energy and emissions, each from a stated constant (sources in docs/methodology/carbon.md).
/// </summary>
/// <param name="CarKilometres">Distance driven by an average car emitting the same CO2e.</param>
/// <param name="PhoneCharges">Full smartphone charges using the same energy.</param>
/// <param name="KettleBoils">One-litre kettle boils using the same energy.</param>
/// <param name="LedBulbHours">Hours of a 10 W LED bulb using the same energy.</param>
public sealed record Equivalences(double CarKilometres, double PhoneCharges, double KettleBoils, double LedBulbHours)
{
    /// <summary>gCO2e per km of an average car (UK DESNZ greenhouse-gas conversion factors 2024, "average car", about 0.17 kg/km).</summary>
    public const double CarGramsPerKm = 170;

    /// <summary>Wh per full smartphone charge: a 4,000 mAh battery at 3.85 V (15.4 Wh) through a 90 % efficient charger.</summary>
    public const double PhoneChargeWh = 17.1;

    /// <summary>Wh per kettle boil: 1 litre from 20 °C to 100 °C is 4.186 J/(g·K) × 1000 g × 80 K = 335 kJ = 93 Wh, at 85 % kettle efficiency.</summary>
    public const double KettleBoilWh = 109.4;

    /// <summary>Watts of a typical LED bulb (about 800 lumens).</summary>
    public const double LedBulbWatts = 10;

    /// <summary>Equivalents of <paramref name="energyWh"/> and <paramref name="co2eGrams"/>.</summary>
    public static Equivalences Of(double energyWh, double co2eGrams) =>
        new(co2eGrams / CarGramsPerKm, energyWh / PhoneChargeWh, energyWh / KettleBoilWh, energyWh / LedBulbWatts);
}
