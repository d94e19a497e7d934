using System.Globalization;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>
/// Renders a <see cref="UsageReport"/> as one self-contained HTML file: inline CSS and SVG charts, no scripts or fonts
/// from the network, readable from a phone (390 pixels) to a desktop. A small inline script marks each chart
/// <c>data-rendered="true"</c> once the browser has laid it out with visible marks, which is what the headless-Chromium
/// test checks.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>The HTML document.</summary>
    public static string Write(UsageReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var timeZone = TimeZoneInfo.TryFindSystemTimeZoneById(report.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        var html = new StringBuilder(64 * 1024);
        html.Append(HtmlReportPage.Head);
        html.Append("<h1>TokenTrace report</h1><p class=\"muted\">")
            .Append(HtmlText.Encode(HtmlText.Days(report.Query.Since, report.Query.Until, timeZone)))
            .Append(" · generated ").Append(report.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
            .Append(" UTC · days in ").Append(HtmlText.Encode(report.TimeZone)).Append("</p>");
        Cards(html, report);

        html.Append("<h2>Daily cost by model</h2>");
        DailyCostChart.Write(html, report);

        html.Append("<h2>By model</h2>");
        ModelTable.Write(html, report);

        PeriodComparisonTable.Write(html, report, timeZone);

        if (report.Budgets.Count > 0)
        {
            html.Append("<h2>Budgets: cumulative spend, limit and forecast</h2>");
            foreach (var budget in report.Budgets)
            {
                BudgetSpendChart.Write(html, budget);
            }
        }

        html.Append("<h2>By project</h2>");
        CostBreakdownChart.Write(html, "by-project", report.ByProject, "project");

        // The agents' top list would repeat this chart's rows, so the report shows agents once.
        html.Append("<h2>By agent</h2>");
        CostBreakdownChart.Write(html, "by-agent", report.ByAgent, "agent");

        if (report.Daily.Any(p => p.Totals.Co2eGrams is not null))
        {
            html.Append("<h2>Daily emissions (CO2e)</h2><p class=\"muted\">Bars: central estimate; lines: the low–high range of the estimate.</p>");
            DailyEmissionsChart.Write(html, report);
        }

        if (report.Anomalies.Count > 0)
        {
            html.Append("<h2>Unusual days</h2>");
            var table = new HtmlTable(html, "anomalies fits", "Day", "Cost", "Usual for that weekday", "Score");
            foreach (var a in report.Anomalies)
            {
                table.Row((a.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null), (MoneyText.Format(a.Spend), null), (MoneyText.Format(a.Baseline), null), (a.Score.ToString("0.0", CultureInfo.InvariantCulture), null));
            }

            table.End();
        }

        Top(html, "Top jobs", "job", report.TopJobs);
        Top(html, "Top sessions", "session", report.TopSessions);
        html.Append(HtmlReportPage.Tail);
        return html.ToString();
    }

    private static void Cards(StringBuilder html, UsageReport report)
    {
        var total = report.ByModel.Total;
        var previous = report.PreviousByModel?.Total;
        string? Versus(string change) => previous is null ? null : change + " vs previous period";
        html.Append("<div class=\"cards\">");
        Card(html, "Cost", MoneyText.Of(total), total.UnpricedRecords > 0
            ? HtmlText.Count(total.UnpricedRecords) + " unpriced calls not included"
            : Versus(previous is null ? "" : MoneyText.Change(total, previous)));
        Card(html, "Calls", HtmlText.Count(total.Records), Versus(previous is null ? "" : RatioText.Change(total.Records, previous.Records)));
        Card(html, "Tokens", HtmlText.Count(total.TotalTokens), Versus(previous is null ? "" : RatioText.Change(total.TotalTokens, previous.TotalTokens)));
        Card(html, "Cache hits", RatioText.Percent(RatioText.CacheHitShare(total)), "of input tokens read from cache");
        if (total.EnergyWh is { } energy)
        {
            Card(html, "Energy", QuantityText.Energy(energy.Central), "range " + QuantityText.EnergyRange(energy));
        }

        if (total.Co2eGrams is { } co2)
        {
            Card(html, "CO2e", QuantityText.Co2e(co2.Central), "range " + QuantityText.Co2eRange(co2));
        }

        html.Append("</div>");
    }

    private static void Card(StringBuilder html, string label, string value, string? detail) =>
        html.Append("<div class=\"card\"><span class=\"muted\">").Append(HtmlText.Encode(label)).Append("</span><b>").Append(HtmlText.Encode(value)).Append("</b>")
            .Append(detail is null ? "" : "<small>" + HtmlText.Encode(detail) + "</small>").Append("</div>");

    private static void Top(StringBuilder html, string title, string dimension, IReadOnlyList<SummaryRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        html.Append("<h2>").Append(HtmlText.Encode(title)).Append("</h2>");
        var table = new HtmlTable(html, "top fits", char.ToUpperInvariant(dimension[0]) + dimension[1..], "Calls", "Tokens", "Cost");
        foreach (var row in rows)
        {
            table.Row((row.Key[dimension] ?? "", null), (HtmlText.Count(row.Totals.Records), null), (HtmlText.Count(row.Totals.TotalTokens), null), (MoneyText.Of(row.Totals), null));
        }

        table.End();
    }
}
