using System.Globalization;
using CsCheck;

namespace TokenTrace.Reports.Tests;

public sealed class QuantityTextTests
{
    [Theory]
    [InlineData(3076.956, "3.08 kWh")]
    [InlineData(999.7, "1 kWh")]
    [InlineData(12.345, "12.3 Wh")]
    [InlineData(0.5, "500 mWh")]
    [InlineData(4_200_000.0, "4.2 MWh")]
    public void Energy_is_scaled_to_three_significant_digits(double wh, string expected)
    {
        Assert.Equal(expected, QuantityText.Energy(wh));
    }

    [Theory]
    [InlineData(0.0123, "12.3 mg")]
    [InlineData(778.4, "778 g")]
    [InlineData(1330, "1.33 kg")]
    [InlineData(2_500_000.0, "2.5 t")]
    public void Emissions_are_scaled_from_milligrams_to_tonnes(double grams, string expected)
    {
        Assert.Equal(expected, QuantityText.Co2e(grams));
    }

    [Fact]
    public void A_range_shares_its_unit_when_both_bounds_scale_alike()
    {
        Assert.Equal("1.35–11.1 kWh", QuantityText.EnergyRange(new EstimateRange(1350, 3490, 11_100)));
        Assert.Equal("505 g – 4.26 kg", QuantityText.Co2eRange(new EstimateRange(505, 1330, 4260)));
    }

    [Fact]
    public void A_scaled_energy_reads_back_within_rounding_and_its_number_is_below_1000()
    {
        var factors = new Dictionary<string, double> { ["mWh"] = 1e-3, ["Wh"] = 1, ["kWh"] = 1e3, ["MWh"] = 1e6 };
        Gen.Double[1e-3, 1e8].Sample(wh =>
        {
            var parts = QuantityText.Energy(wh).Split(' ');
            var number = double.Parse(parts[0], CultureInfo.InvariantCulture);
            Assert.True(number < 1000 || parts[1] == "MWh", $"{wh} Wh shown as {parts[0]} {parts[1]}");
            Assert.True(Math.Abs((number * factors[parts[1]]) - wh) <= wh * 0.005, $"{wh} Wh shown as {parts[0]} {parts[1]}");
        });
    }
}
