namespace TokenTrace.Reports.Tests;

/// <summary>Anomaly fixtures computed by hand.</summary>
public sealed class AnomalyDetectorTests
{
    [Fact]
    public void A_spike_is_found_and_a_busy_weekday_is_not()
    {
        // Eight weeks from Monday 28 Sep 2026: $2 a day, Mondays $10 (a weekly rhythm, not an anomaly),
        // and Friday 20 Nov $20.
        var first = new DateOnly(2026, 9, 28);
        var spike = new DateOnly(2026, 11, 20);
        var values = Enumerable.Range(0, 56).Select(i => first.AddDays(i)).Select(d => d == spike ? 20m : d.DayOfWeek == DayOfWeek.Monday ? 10m : 2m);
        var series = DailySeries.FromValues(first, values);

        var anomalies = AnomalyDetector.Find(series, new DateOnly(2026, 10, 26));
        var found = Assert.Single(anomalies);
        Assert.Equal(spike, found.Day);
        Assert.Equal(2m, found.Baseline); // median of the four Fridays before
        // Residuals are 0 except the spike (18): MAD = 0, so the scale is the floor 0.1 × median baseline (2) = 0.2; score 18 / 0.2 = 90
        Assert.Equal(90, found.Score, 9);
    }

    [Fact]
    public void Days_within_the_usual_spread_are_not_reported_and_a_spike_beyond_it_is()
    {
        // Days alternate $9 and $11; the same weekday a week earlier has the other parity, so every baseline is
        // median(9, 11, 9, 11) = $10 and residuals are ±1. Day 53 spends $16 (residual +6).
        // Residuals of days 28..55: fourteen −1, thirteen +1 and +6 → median 0; |r| → MAD 1; scale 1.4826
        // (above the floor 0.1 × 10 = 1). Ordinary days score 1 / 1.4826 = 0.67; day 53 scores 6 / 1.4826 = 4.05.
        var first = new DateOnly(2026, 9, 28);
        var values = Enumerable.Range(0, 56).Select(i => i == 53 ? 16m : i % 2 == 0 ? 9m : 11m).ToList();
        var anomalies = AnomalyDetector.Find(DailySeries.FromValues(first, values), first.AddDays(28));
        var found = Assert.Single(anomalies);
        Assert.Equal(first.AddDays(53), found.Day);
        Assert.Equal(10m, found.Baseline);
        Assert.Equal(6 / 1.4826, found.Score, 9);
    }
}
