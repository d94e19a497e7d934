namespace TokenTrace;

/// <summary>The estimated energy and emissions of one call.</summary>
/// <param name="EnergyWh">Energy in watt-hours.</param>
/// <param name="Co2eGrams">Emissions in grams of CO2-equivalent.</param>
public sealed record ImpactEstimate(EstimateRange EnergyWh, EstimateRange Co2eGrams)
{
    /// <summary>The region (or country, or <c>WORLD</c>) whose grid the emissions were computed for, when the estimator chose it.</summary>
    public string? Region { get; init; }
}
