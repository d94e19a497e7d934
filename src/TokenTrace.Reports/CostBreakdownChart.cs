using System.Globalization;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>
/// Cost by one dimension (project, agent) as horizontal bars, the ten most expensive groups. Each row puts its label
/// and amount on one line and the bar under it, so long names fit a phone's width.
/// </summary>
internal static class CostBreakdownChart
{
    private const int RowHeight = 36;

    public static void Write(StringBuilder html, string name, UsageSummary summary, string dimension)
    {
        var rows = summary.Rows.Take(10).ToList();
        if (rows.Count == 0)
        {
            html.Append("<p class=\"muted\">No usage.</p>");
            return;
        }

        var total = summary.Total.CostUsd;
        var max = rows.Max(r => r.Totals.CostUsd);
        var height = rows.Count * RowHeight;
        html.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\" data-chart=\"{HtmlText.Encode(name)}\"><div class=\"plot\"><svg class=\"area\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" height=\"{height}\" role=\"img\" aria-label=\"Cost by {HtmlText.Encode(dimension)}\">");
        for (var i = 0; i < rows.Count; i++)
        {
            var totals = rows[i].Totals;
            var y = i * RowHeight;
            var percent = max <= 0 ? 0 : (double)(totals.CostUsd / max) * 100;
            var amount = MoneyText.Of(totals) + (MoneyText.HasPrice(totals) && total > 0 ? " · " + RatioText.Percent((double)(totals.CostUsd / total)) : "");
            html.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 14}\">{HtmlText.Encode(HtmlText.Clip(rows[i].Key[dimension] ?? "(none)"))}</text>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"100%\" y=\"{y + 14}\" text-anchor=\"end\">{HtmlText.Encode(amount)}</text>")
                .Append(CultureInfo.InvariantCulture, $"<rect class=\"mark\" x=\"0\" y=\"{y + 19}\" width=\"{Math.Max(0.3, percent):0.##}%\" height=\"11\" rx=\"2\" fill=\"#4e79a7\"/>");
        }

        html.Append("</svg></div></figure>");
    }
}
