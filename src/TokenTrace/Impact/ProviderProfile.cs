namespace TokenTrace;

/// <summary>What is assumed about a provider's data centres: PUE (a range), WUE, and the region used when a call names none.</summary>
/// <param name="Name">The provider.</param>
/// <param name="Aliases">Provider names that mean this provider (<c>bedrock</c> for Amazon, <c>vertex_ai</c> for Google…).</param>
/// <param name="Pue">Power usage effectiveness: facility energy over IT energy.</param>
/// <param name="Wue">Water usage effectiveness: litres of on-site water per kWh of IT energy.</param>
/// <param name="DefaultRegion">A region id or country code.</param>
/// <param name="Source">Where the PUE comes from.</param>
/// <param name="Year">The year it describes.</param>
public sealed record ProviderProfile(string Name, IReadOnlyList<string> Aliases, EstimateRange Pue, double Wue, string DefaultRegion, string Source, int Year);
