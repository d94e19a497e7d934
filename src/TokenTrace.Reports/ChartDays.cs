using System.Globalization;

namespace TokenTrace.Reports;

/// <summary>The days a daily chart shows and how their labels thin out as the chart narrows.</summary>
internal static class ChartDays
{
    /// <summary>
    /// The days from the first one with any record on: a user who started a week ago gets a week of bars, not a
    /// month whose first three weeks are empty. Days after the first stay, empty or not — a quiet week is news.
    /// </summary>
    public static IReadOnlyList<TrendPoint> FromFirstUse(IReadOnlyList<TrendPoint> daily)
    {
        ArgumentNullException.ThrowIfNull(daily);
        return [.. daily.SkipWhile(p => p.Totals.Records == 0)];
    }

    /// <summary>
    /// Adds a label under each day's bar: "MM-DD", with at most about six major labels (the ones a phone shows) and
    /// at most about sixteen in all.
    /// </summary>
    public static void Label(SvgChart chart, IReadOnlyList<TrendPoint> days)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(days);
        // The major stride is a multiple of the minor one, so the labels a phone keeps are evenly spaced among the rest.
        var minor = Math.Max(1, (int)Math.Ceiling(days.Count / 16.0));
        var major = minor * Math.Max(1, (int)Math.Ceiling(days.Count / 6.0 / minor));
        for (var i = 0; i < days.Count; i++)
        {
            if (i % minor == 0)
            {
                chart.XLabel((i + 0.5) / days.Count * 100, Short(days[i].Bucket), minor: i % major != 0);
            }
        }
    }

    /// <summary>Plot x of the left edge of day <paramref name="index"/>'s slot, and the slot's width.</summary>
    public static (double X, double Width) Slot(int index, int count) => (index * SvgChart.PlotWidth / count, SvgChart.PlotWidth / count);

    private static string Short(string day) =>
        DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d.ToString("MM-dd", CultureInfo.InvariantCulture)
            : day;
}
