namespace TokenTrace.Reports;

/// <summary>
/// Finds days far above their usual, robust to weekly seasonality and to the outliers themselves.
/// </summary>
/// <remarks>
/// For each day: baseline = median of the same weekday in the four weeks before (at least three of them must fall on
/// or after the first day with any usage). Residuals (spend − baseline) of all days with a baseline give a robust scale:
/// <c>1.4826 × median |r − median(r)|</c>, floored at a tenth of the median baseline (and at the smallest unit
/// step, 0.01) so a perfectly flat history does not make every wobble an anomaly. A day is anomalous when its
/// score <c>(spend − baseline − median residual) / scale</c> is at least <see cref="Threshold"/> and it spent at least 1.5 × baseline.
/// </remarks>
public static class AnomalyDetector
{
    /// <summary>The score from which a day is reported.</summary>
    public const double Threshold = 3.5;

    /// <summary>Anomalous days of <paramref name="series"/> from <paramref name="from"/> on, highest score first.</summary>
    public static IReadOnlyList<SpendAnomaly> Find(DailySeries series, DateOnly from)
    {
        ArgumentNullException.ThrowIfNull(series);
        // Days before the first usage are not "usual zero spend": a new user's first days are not anomalies.
        var firstUse = series.Days.Where(d => d.Spend != 0).Select(d => (DateOnly?)d.Day).FirstOrDefault();
        if (firstUse is null)
        {
            return [];
        }

        var candidates = new List<(DateOnly Day, decimal Spend, decimal Baseline)>();
        foreach (var (day, spend) in series.Days)
        {
            if (day < from)
            {
                continue;
            }

            var previous = Enumerable.Range(1, 4).Select(w => day.AddDays(-7 * w)).Where(d => d >= firstUse).Select(d => series[d]).ToList();
            if (previous.Count >= 3)
            {
                candidates.Add((day, spend, Median(previous)));
            }
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        var residuals = candidates.Select(c => c.Spend - c.Baseline).ToList();
        var center = Median(residuals);
        var mad = Median(residuals.Select(r => Math.Abs(r - center)).ToList());
        var scale = Math.Max(Math.Max(1.4826m * mad, 0.1m * Median(candidates.Select(c => c.Baseline).ToList())), 0.01m);

        return [.. candidates
            .Select(c => new SpendAnomaly(c.Day, c.Spend, c.Baseline, (double)((c.Spend - c.Baseline - center) / scale)))
            .Where(a => a.Score >= Threshold && a.Spend >= 1.5m * a.Baseline)
            .OrderByDescending(a => a.Score)];
    }

    private static decimal Median(List<decimal> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
