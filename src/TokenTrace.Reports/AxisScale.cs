namespace TokenTrace.Reports;

/// <summary>
/// Round axis ticks for a chart whose values run from zero to a maximum: steps of 1, 2, 2.5 or 5 × 10^k, so a reader
/// sees $5, $10, $15 rather than $7.35, $14.69, $22.04. Decimal arithmetic keeps every tick exactly round.
/// </summary>
/// <param name="Step">The distance between ticks.</param>
/// <param name="Ticks">The ticks, from zero to the first tick at or above the maximum.</param>
internal sealed record AxisScale(decimal Step, IReadOnlyList<decimal> Ticks)
{
    private static readonly decimal[] Mantissas = [1m, 2m, 2.5m, 5m, 10m];

    /// <summary>The top of the axis (the last tick).</summary>
    public decimal Top => Ticks[^1];

    /// <summary>Ticks covering 0 to <paramref name="max"/> in at most <paramref name="maxIntervals"/> intervals.</summary>
    public static AxisScale For(decimal max, int maxIntervals = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIntervals, 1);

        // Below a picodollar (the precision costs are summed at) a chart has nothing to show: one unit step.
        if (max <= 0.000000000001m)
        {
            return new AxisScale(1, [0m, 1m]);
        }

        var raw = max / maxIntervals;
        var power = 1m;
        while (power * 10 <= raw)
        {
            power *= 10;
        }

        while (power > raw)
        {
            power /= 10;
        }

        var step = Mantissas.Select(m => m * power).First(s => s >= raw);
        var ticks = new List<decimal> { 0m };
        while (ticks[^1] < max)
        {
            ticks.Add(ticks[^1] + step);
        }

        return new AxisScale(step, ticks);
    }
}
