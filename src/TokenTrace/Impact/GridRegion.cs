namespace TokenTrace;

/// <summary>The electricity grid behind a cloud region, a country or the world: its carbon intensity and where that figure comes from.</summary>
/// <param name="Id">Region id (<c>eu-north-1</c>, <c>europe-west9</c>, <c>swedencentral</c>), ISO country code, or <c>WORLD</c>.</param>
/// <param name="Cloud"><c>aws</c>, <c>gcp</c>, <c>azure</c>, or null for a country or the world.</param>
/// <param name="Location">The place, for people.</param>
/// <param name="Country">The ISO country code (or <c>EU</c>, <c>WORLD</c>).</param>
/// <param name="GramsPerKwh">Location-based intensity, gCO2e per kWh (annual average).</param>
/// <param name="CarbonFreeShare">The operator's hourly carbon-free energy share where published (Google CFE), for the market-based option.</param>
/// <param name="Source">The source of the intensity.</param>
/// <param name="Year">The year the intensity describes.</param>
public sealed record GridRegion(string Id, string? Cloud, string? Location, string Country, double GramsPerKwh, double? CarbonFreeShare, string Source, int Year);
