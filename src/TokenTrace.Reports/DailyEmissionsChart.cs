using System.Globalization;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>
/// Daily emissions: a bar for the central estimate and a whisker from the low to the high bound, because the range is
/// the estimate — the central value alone would claim a precision the method does not have.
/// </summary>
internal static class DailyEmissionsChart
{
    private const string Color = "#59a14f";

    public static void Write(StringBuilder html, UsageReport report)
    {
        var days = ChartDays.FromFirstUse(report.Daily);
        var ranges = days.Select(d => d.Totals.Co2eGrams ?? default).ToList();
        var scale = AxisScale.For(ToDecimal(ranges.Select(r => r.High).DefaultIfEmpty(0).Max()));
        var chart = new SvgChart(200, scale, QuantityText.Co2eTicks(scale.Top));
        for (var i = 0; i < days.Count; i++)
        {
            var range = ranges[i];
            if (range.High <= 0)
            {
                continue;
            }

            var (x, width) = ChartDays.Slot(i, days.Count);
            var top = chart.Y(ToDecimal(range.Central));
            var title = HtmlText.Encode($"{days[i].Bucket}: {QuantityText.Co2e(range.Central)} ({QuantityText.Co2eRange(range)})");
            chart.Mark(string.Create(CultureInfo.InvariantCulture, $"<rect class=\"mark\" x=\"{x + (width * 0.15):0.##}\" y=\"{top:0.##}\" width=\"{width * 0.7:0.##}\" height=\"{chart.PlotHeight - top:0.##}\" fill=\"{Color}\"><title>{title}</title></rect>"));
            chart.Mark(string.Create(CultureInfo.InvariantCulture, $"<line class=\"whisker\" x1=\"{x + (width / 2):0.##}\" x2=\"{x + (width / 2):0.##}\" y1=\"{chart.Y(ToDecimal(range.Low)):0.##}\" y2=\"{chart.Y(ToDecimal(range.High)):0.##}\" vector-effect=\"non-scaling-stroke\"><title>{title}</title></line>"));
        }

        ChartDays.Label(chart, days);
        chart.WriteTo(html, "daily-carbon", "Daily emissions, central estimate with low–high range");
    }

    // Grams as decimal for the axis; an estimate beyond decimal's range is not a day's emissions.
    private static decimal ToDecimal(double value) => value is > 0 and < 1e20 ? (decimal)value : 0m;
}
