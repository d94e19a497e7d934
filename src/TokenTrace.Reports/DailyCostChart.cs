using System.Globalization;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>Daily cost as bars stacked by model (the most expensive models, the rest as "other").</summary>
internal static class DailyCostChart
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"];

    public static void Write(StringBuilder html, UsageReport report)
    {
        var days = ChartDays.FromFirstUse(report.Daily);
        if (days.Count == 0)
        {
            html.Append("<p class=\"muted\">No usage in this period.</p>");
            return;
        }

        var models = report.ByModel.Rows.Where(r => r.Totals.CostUsd > 0).Select(r => r.Key["model"] ?? "(none)").Take(Palette.Length - 1).ToList();
        var costs = new Dictionary<(string Day, string Model), decimal>();
        foreach (var row in report.DailyByModel.Rows)
        {
            var model = row.Key["model"] ?? "(none)";
            var key = (row.Key["day"]!, models.Contains(model) ? model : "other");
            costs[key] = costs.GetValueOrDefault(key) + row.Totals.CostUsd;
        }

        if (costs.Any(c => c.Key.Model == "other" && c.Value > 0))
        {
            models.Add("other");
        }

        var max = days.Select(d => models.Sum(m => costs.GetValueOrDefault((d.Bucket, m)))).DefaultIfEmpty(0).Max();
        var chart = new SvgChart(240, AxisScale.For(max), MoneyText.Tick);
        for (var i = 0; i < days.Count; i++)
        {
            var (x, width) = ChartDays.Slot(i, days.Count);
            var y = chart.PlotHeight;
            for (var m = 0; m < models.Count; m++)
            {
                var value = costs.GetValueOrDefault((days[i].Bucket, models[m]));
                if (value <= 0)
                {
                    continue;
                }

                var h = chart.PlotHeight - chart.Y(value);
                y -= h;
                chart.Mark(string.Create(CultureInfo.InvariantCulture, $"<rect class=\"mark\" x=\"{x + (width * 0.1):0.##}\" y=\"{y:0.##}\" width=\"{width * 0.8:0.##}\" height=\"{h:0.##}\" fill=\"{Palette[m % Palette.Length]}\"><title>{HtmlText.Encode(days[i].Bucket)} {HtmlText.Encode(models[m])}: {MoneyText.Format(value)}</title></rect>"));
            }
        }

        ChartDays.Label(chart, days);
        chart.WriteTo(html, "daily-cost", "Daily cost by model");
        html.Append("<div class=\"legend\">");
        for (var m = 0; m < models.Count; m++)
        {
            html.Append("<span><i style=\"background:").Append(Palette[m % Palette.Length]).Append("\"></i>").Append(HtmlText.Encode(models[m])).Append("</span>");
        }

        html.Append("</div>");
        if (report.ByModel.Total.UnpricedRecords > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{HtmlText.Count(report.ByModel.Total.UnpricedRecords)} calls without a price are not in this chart.</p>");
        }
    }
}
