using CsCheck;

namespace TokenTrace.Reports.Tests;

public sealed class AxisScaleTests
{
    /// <summary>Positive amounts from picodollars to trillions: a mantissa times a power of ten.</summary>
    internal static readonly Gen<decimal> Amount =
        Gen.Select(Gen.Long[1, 999_999_999], Gen.Int[-12, 12]).Select((mantissa, exponent) => mantissa * Power(exponent) / 1_000_000m);

    [Fact]
    public void The_issue_axis_of_22_04_dollars_gets_steps_of_5()
    {
        Assert.Equal([0m, 5m, 10m, 15m, 20m, 25m], AxisScale.For(22.04m).Ticks);
        Assert.Equal([0m, 10m, 20m, 30m], AxisScale.For(29.38m).Ticks);
        Assert.Equal([0m, 0.0025m, 0.005m, 0.0075m, 0.01m, 0.0125m], AxisScale.For(0.0102m).Ticks);
    }

    [Fact]
    public void An_empty_chart_has_an_axis_from_0_to_1()
    {
        Assert.Equal([0m, 1m], AxisScale.For(0m).Ticks);
    }

    [Fact]
    public void Ticks_are_round_start_at_0_are_evenly_spaced_and_just_cover_the_maximum()
    {
        Amount.Sample(max =>
        {
            var scale = AxisScale.For(max);
            var ticks = scale.Ticks;
            Assert.Equal(0m, ticks[0]);
            Assert.True(scale.Top >= max, $"top {scale.Top} below {max}");
            Assert.True(ticks[^2] < max, $"a tick too many for {max}: {string.Join(", ", ticks)}");
            Assert.InRange(ticks.Count - 1, 1, 5);
            for (var i = 1; i < ticks.Count; i++)
            {
                Assert.Equal(scale.Step, ticks[i] - ticks[i - 1]);
            }

            var mantissa = scale.Step;
            while (mantissa >= 10)
            {
                mantissa /= 10;
            }

            while (mantissa < 1)
            {
                mantissa *= 10;
            }

            Assert.Contains(mantissa, new[] { 1m, 2m, 2.5m, 5m });
        });
    }

    private static decimal Power(int exponent)
    {
        var power = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            power = exponent > 0 ? power * 10 : power / 10;
        }

        return power;
    }
}
