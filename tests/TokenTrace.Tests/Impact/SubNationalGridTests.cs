namespace TokenTrace.Tests;

public sealed class SubNationalGridTests
{
    [Fact]
    public void A_region_on_a_provincial_or_state_grid_uses_that_grid_and_not_the_national_average()
    {
        // AWS ca-west-1 is in Calgary: Alberta's grid, 490 gCO2e/kWh in 2022 (Canada NIR 2024, Annex 13), against Canada's 120.
        // Azure westcentralus is in Wyoming: EIA State Electricity Profiles, 1,755 lb CO2/MWh in 2023 × 0.45359 kg/lb = 796 g/kWh,
        // against the US's 380.
        var tables = ImpactTables.Default;
        Assert.Equal(490, tables.FindGrid("ca-west-1")!.GramsPerKwh);
        Assert.Equal(796, tables.FindGrid("westcentralus")!.GramsPerKwh);
        Assert.NotEqual(tables.FindGrid("CA")!.GramsPerKwh, tables.FindGrid("ca-west-1")!.GramsPerKwh);
        Assert.NotEqual(tables.FindGrid("US")!.GramsPerKwh, tables.FindGrid("westcentralus")!.GramsPerKwh);
    }

    [Fact]
    public void A_cloud_region_in_a_city_google_publishes_uses_google_s_figure_for_that_grid()
    {
        // AWS mx-central-1 and Azure mexicocentral are both in Querétaro, like Google's northamerica-south1 (305.0 g/kWh,
        // region-carbon-info 2024); Azure ukwest (Cardiff) is on the Great Britain grid Google publishes for London (105.94).
        var tables = ImpactTables.Default;
        Assert.Equal(305.0, tables.FindGrid("mx-central-1")!.GramsPerKwh);
        Assert.Equal(tables.FindGrid("mexicocentral")!.GramsPerKwh, tables.FindGrid("mx-central-1")!.GramsPerKwh);
        Assert.Equal(105.94, tables.FindGrid("ukwest")!.GramsPerKwh);
    }

    [Fact]
    public void A_cloud_region_that_still_falls_back_to_its_country_says_so_and_carries_the_country_s_figure()
    {
        // Rows from Ember's yearly data are national averages: they must be the country's own row, not a stale copy.
        var tables = ImpactTables.Default;
        Assert.Contains(tables.Grid, g => g.Cloud is not null && g.Source.StartsWith("Ember", StringComparison.Ordinal));
        Assert.All(tables.Grid.Where(g => g.Cloud is not null && g.Source.StartsWith("Ember", StringComparison.Ordinal)), g =>
            Assert.Equal(tables.FindGrid(g.Country)!.GramsPerKwh, g.GramsPerKwh));
    }
}
