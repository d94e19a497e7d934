using System.Globalization;
using System.Net;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>
/// Renders a <see cref="UsageReport"/> as one self-contained HTML file: inline CSS and SVG charts, no scripts or fonts
/// from the network. A small inline script marks each chart <c>data-rendered="true"</c> once the browser has laid it
/// out with visible marks, which is what the headless-Chromium test checks.
/// </summary>
public static class HtmlReportWriter
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"];

    /// <summary>The HTML document.</summary>
    public static string Write(UsageReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(64 * 1024);
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>TokenTrace report</title>
            <style>
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .muted{color:#777} table{border-collapse:collapse;width:100%;margin:6px 0} th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
            th:first-child,td:first-child{text-align:left} figure{margin:8px 0} svg{width:100%;height:auto;background:#fcfcfc;border:1px solid #eee}
            .legend span{display:inline-block;margin-right:12px} .legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
            .cards{display:flex;gap:12px;flex-wrap:wrap} .card{border:1px solid #e5e5e5;border-radius:6px;padding:10px 14px;min-width:150px}
            .card b{display:block;font-size:20px}
            </style></head><body>
            """);
        var total = report.ByModel.Total;
        html.Append("<h1>TokenTrace report</h1><p class=\"muted\">")
            .Append(Encode(Range(report))).Append(" · generated ").Append(report.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
            .Append(" UTC · days in ").Append(Encode(report.TimeZone)).Append("</p>");
        html.Append("<div class=\"cards\">");
        Card(html, "Cost", "$" + total.CostUsd.ToString("#,0.00", CultureInfo.InvariantCulture) + (total.UnpricedRecords > 0 ? string.Create(CultureInfo.InvariantCulture, $" (+{total.UnpricedRecords} unpriced)") : ""));
        Card(html, "Calls", total.Records.ToString("#,0", CultureInfo.InvariantCulture));
        Card(html, "Tokens", total.TotalTokens.ToString("#,0", CultureInfo.InvariantCulture));
        if (total.EnergyWh is { } energy && total.Co2eGrams is { } co2)
        {
            Card(html, "Energy", energy.Central.ToString("#,0.###", CultureInfo.InvariantCulture) + " Wh");
            Card(html, "CO2e", co2.Central.ToString("#,0.###", CultureInfo.InvariantCulture) + " g");
        }

        html.Append("</div>");

        html.Append("<h2>Daily cost by model</h2>");
        DailyByModel(html, report);

        if (report.Budgets.Count > 0)
        {
            html.Append("<h2>Budgets: cumulative spend, limit and forecast</h2>");
            foreach (var budget in report.Budgets)
            {
                BudgetChart(html, budget);
            }
        }

        html.Append("<h2>By project</h2>");
        Breakdown(html, "by-project", report.ByProject, "project");
        html.Append("<h2>By agent</h2>");
        Breakdown(html, "by-agent", report.ByAgent, "agent");

        if (report.Daily.Any(p => p.Totals.Co2eGrams is not null))
        {
            html.Append("<h2>Daily emissions (gCO2e, central estimate)</h2>");
            Bars(html, "daily-carbon", [.. report.Daily.Select(p => (p.Bucket, (decimal)(p.Totals.Co2eGrams?.Central ?? 0)))], "#59a14f", v => v.ToString("0.###", CultureInfo.InvariantCulture) + " g");
        }

        if (report.Anomalies.Count > 0)
        {
            html.Append("<h2>Unusual days</h2><table><tr><th>Day</th><th>Cost</th><th>Usual for that weekday</th><th>Score</th></tr>");
            foreach (var a in report.Anomalies)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{a.Day:yyyy-MM-dd}</td><td>${a.Spend:0.00}</td><td>${a.Baseline:0.00}</td><td>{a.Score:0.0}</td></tr>");
            }

            html.Append("</table>");
        }

        Top(html, "Top jobs", "job", report.TopJobs);
        Top(html, "Top sessions", "session", report.TopSessions);
        Top(html, "Top agents", "agent", report.TopAgents);

        html.Append("""
            <script>
            // Marks each chart once laid out with visible marks; tests read these attributes from the rendered DOM.
            window.addEventListener('load', function () {
              var figures = document.querySelectorAll('figure.chart');
              for (var i = 0; i < figures.length; i++) {
                var svg = figures[i].querySelector('svg');
                var box = svg.getBoundingClientRect();
                var marks = svg.querySelectorAll('.mark');
                var visible = 0;
                for (var j = 0; j < marks.length; j++) { var b = marks[j].getBBox(); if (b.width > 0 || b.height > 0) visible++; }
                figures[i].setAttribute('data-rendered', box.width > 0 && box.height > 0 && visible > 0 ? 'true' : 'false');
                figures[i].setAttribute('data-marks', String(visible));
              }
              document.body.setAttribute('data-charts', String(figures.length));
            });
            </script>
            </body></html>
            """);
        return html.ToString();
    }

    private static void DailyByModel(StringBuilder html, UsageReport report)
    {
        var days = report.Daily.Select(p => p.Bucket).ToList();
        var models = report.ByModel.Rows.Select(r => r.Key["model"] ?? "(none)").Take(Palette.Length - 1).ToList();
        var costs = new Dictionary<(string Day, string Model), decimal>();
        foreach (var row in report.DailyByModel.Rows)
        {
            var model = row.Key["model"] ?? "(none)";
            var key = (row.Key["day"]!, models.Contains(model) ? model : "other");
            costs[key] = costs.GetValueOrDefault(key) + row.Totals.CostUsd;
        }

        if (costs.Keys.Any(k => k.Model == "other"))
        {
            models.Add("other");
        }

        var max = days.Select(d => models.Sum(m => costs.GetValueOrDefault((d, m)))).DefaultIfEmpty(0).Max();
        const int width = 1000, height = 260, left = 50, bottom = 30, top = 10;
        var slot = days.Count == 0 ? 0 : (width - left - 10.0) / days.Count;
        var svg = new StringBuilder();
        Axis(svg, max, left, top, width, height, bottom, v => "$" + v.ToString("0.##", CultureInfo.InvariantCulture));
        for (var i = 0; i < days.Count; i++)
        {
            var y = (double)(height - bottom);
            for (var m = 0; m < models.Count; m++)
            {
                var value = costs.GetValueOrDefault((days[i], models[m]));
                if (value <= 0 || max <= 0)
                {
                    continue;
                }

                var h = (double)(value / max) * (height - bottom - top);
                y -= h;
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"mark\" x=\"{left + (i * slot) + 1:0.#}\" y=\"{y:0.#}\" width=\"{Math.Max(1, slot - 2):0.#}\" height=\"{h:0.#}\" fill=\"{Palette[m % Palette.Length]}\"><title>{Encode(days[i])} {Encode(models[m])}: ${value:0.####}</title></rect>");
            }

            if (days.Count <= 31 || i % (days.Count / 15 + 1) == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (i * slot) + (slot / 2):0.#}\" y=\"{height - 12}\" font-size=\"10\" text-anchor=\"middle\">{Encode(days[i][5..])}</text>");
            }
        }

        Figure(html, "daily-cost", width, height, svg.ToString());
        html.Append("<div class=\"legend\">");
        for (var m = 0; m < models.Count; m++)
        {
            html.Append("<span><i style=\"background:").Append(Palette[m % Palette.Length]).Append("\"></i>").Append(Encode(models[m])).Append("</span>");
        }

        html.Append("</div>");
    }

    private static void BudgetChart(StringBuilder html, BudgetReport budget)
    {
        var status = budget.Status;
        var b = status.Budget;
        html.Append(CultureInfo.InvariantCulture, $"<p><b>{Encode(b.Name)}</b> — {Encode(b.Period.Name)}, {Encode(BudgetScope.ToText(b.Scope))}: {Encode(BudgetUnits.Format(status.Spend, b.Unit))} of {Encode(BudgetUnits.Format(b.Limit, b.Unit))} ({status.Percent:0.#}%)");
        if (budget.Forecast is { } f)
        {
            html.Append(CultureInfo.InvariantCulture, $"; expected by period end {Encode(BudgetUnits.Format(f.Expected, f.Unit))} (80%: {Encode(BudgetUnits.Format(f.Low, f.Unit))}–{Encode(BudgetUnits.Format(f.High, f.Unit))})");
        }

        html.Append("</p>");
        if (budget.Cumulative.Count == 0 || !status.Window.Resets)
        {
            return;
        }

        var tz = b.ResolveTimeZone();
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(status.Window.Start, tz).DateTime);
        var last = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(status.Window.End, tz).DateTime).AddDays(-1);
        var totalDays = Math.Max(1, last.DayNumber - first.DayNumber + 1);
        var max = new[] { b.Limit, budget.Forecast?.High ?? 0, budget.Cumulative.Max(c => c.Spend) }.Max() * 1.1m;
        const int width = 1000, height = 220, left = 60, bottom = 30, top = 10;
        double X(double day) => left + (day / totalDays * (width - left - 10));
        double Y(decimal v) => height - bottom - ((double)(v / max) * (height - bottom - top));
        var svg = new StringBuilder();
        Axis(svg, max, left, top, width, height, bottom, v => BudgetUnits.Format(Math.Round(v, 2), b.Unit));
        if (budget.Forecast is { } forecast)
        {
            var startDay = budget.Cumulative.Count;
            var spent = budget.Cumulative[^1].Spend;
            svg.Append(CultureInfo.InvariantCulture, $"<polygon class=\"mark\" fill=\"#4e79a733\" points=\"{X(startDay):0.#},{Y(spent):0.#} {X(totalDays):0.#},{Y(forecast.High):0.#} {X(totalDays):0.#},{Y(forecast.Low):0.#}\"><title>80% forecast interval</title></polygon>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(startDay):0.#}\" y1=\"{Y(spent):0.#}\" x2=\"{X(totalDays):0.#}\" y2=\"{Y(forecast.Expected):0.#}\" stroke=\"#4e79a7\" stroke-dasharray=\"4 3\"/>");
        }

        var points = string.Join(' ', budget.Cumulative.Select((c, i) => string.Create(CultureInfo.InvariantCulture, $"{X(i + 1):0.#},{Y(c.Spend):0.#}")).Prepend(string.Create(CultureInfo.InvariantCulture, $"{X(0):0.#},{Y(0):0.#}")));
        svg.Append("<polyline class=\"mark\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2.5\" points=\"").Append(points).Append("\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{Y(b.Limit):0.#}\" x2=\"{width - 10}\" y2=\"{Y(b.Limit):0.#}\" stroke=\"#e15759\" stroke-width=\"1.5\"/><text x=\"{width - 12}\" y=\"{Y(b.Limit) - 4:0.#}\" font-size=\"11\" text-anchor=\"end\" fill=\"#e15759\">limit</text>");
        Figure(html, "budget-" + Slug(b.Name), width, height, svg.ToString());
    }

    private static void Breakdown(StringBuilder html, string name, UsageSummary summary, string dimension)
    {
        var rows = summary.Rows.Take(10).Select(r => (r.Key[dimension] ?? "(none)", r.Totals.CostUsd)).ToList();
        if (rows.Count == 0)
        {
            html.Append("<p class=\"muted\">No usage.</p>");
            return;
        }

        var max = rows.Max(r => r.CostUsd);
        const int width = 1000, rowHeight = 24, left = 220;
        var height = (rows.Count * rowHeight) + 10;
        var svg = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            var (label, cost) = rows[i];
            var w = max <= 0 ? 0 : (double)(cost / max) * (width - left - 120);
            var y = 5 + (i * rowHeight);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y + 16}\" font-size=\"12\" text-anchor=\"end\">{Encode(Clip(label))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"mark\" x=\"{left}\" y=\"{y + 3}\" width=\"{Math.Max(1, w):0.#}\" height=\"{rowHeight - 6}\" fill=\"{Palette[i % Palette.Length]}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + Math.Max(1, w) + 6:0.#}\" y=\"{y + 16}\" font-size=\"12\">${cost:#,0.00##}</text>");
        }

        Figure(html, name, width, height, svg.ToString());
    }

    private static void Bars(StringBuilder html, string name, List<(string Label, decimal Value)> values, string color, Func<decimal, string> format)
    {
        var max = values.Select(v => v.Value).DefaultIfEmpty(0).Max();
        const int width = 1000, height = 180, left = 60, bottom = 30, top = 10;
        var slot = values.Count == 0 ? 0 : (width - left - 10.0) / values.Count;
        var svg = new StringBuilder();
        Axis(svg, max, left, top, width, height, bottom, format);
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Value <= 0 || max <= 0)
            {
                continue;
            }

            var h = (double)(values[i].Value / max) * (height - bottom - top);
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"mark\" x=\"{left + (i * slot) + 1:0.#}\" y=\"{height - bottom - h:0.#}\" width=\"{Math.Max(1, slot - 2):0.#}\" height=\"{h:0.#}\" fill=\"{color}\"><title>{Encode(values[i].Label)}: {Encode(format(values[i].Value))}</title></rect>");
        }

        Figure(html, name, width, height, svg.ToString());
    }

    private static void Top(StringBuilder html, string title, string dimension, IReadOnlyList<SummaryRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        html.Append("<h2>").Append(Encode(title)).Append("</h2><table><tr><th>").Append(Encode(dimension)).Append("</th><th>Calls</th><th>Tokens</th><th>Cost</th></tr>");
        foreach (var row in rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(row.Key[dimension] ?? "")}</td><td>{row.Totals.Records:#,0}</td><td>{row.Totals.TotalTokens:#,0}</td><td>${row.Totals.CostUsd:#,0.00##}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void Axis(StringBuilder svg, decimal max, int left, int top, int width, int height, int bottom, Func<decimal, string> format)
    {
        for (var i = 0; i <= 4; i++)
        {
            var value = max * i / 4;
            var y = height - bottom - ((height - bottom - top) * i / 4.0);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{width - 10}\" y2=\"{y:0.#}\" stroke=\"#eee\"/><text x=\"{left - 6}\" y=\"{y + 4:0.#}\" font-size=\"10\" text-anchor=\"end\" fill=\"#777\">{Encode(format(value))}</text>");
        }
    }

    private static void Figure(StringBuilder html, string name, int width, int height, string content) =>
        html.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\" data-chart=\"{Encode(name)}\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Encode(name)}\">{content}</svg></figure>");

    private static void Card(StringBuilder html, string label, string value) =>
        html.Append("<div class=\"card\"><span class=\"muted\">").Append(Encode(label)).Append("</span><b>").Append(Encode(value)).Append("</b></div>");

    private static string Range(UsageReport report) =>
        (report.Query.Since, report.Query.Until) switch
        {
            ({ } s, { } u) => string.Create(CultureInfo.InvariantCulture, $"{s.UtcDateTime:yyyy-MM-dd} to {u.UtcDateTime:yyyy-MM-dd}"),
            ({ } s, null) => string.Create(CultureInfo.InvariantCulture, $"since {s.UtcDateTime:yyyy-MM-dd}"),
            _ => "all usage",
        };

    private static string Slug(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]);

    private static string Clip(string text) => text.Length <= 32 ? text : text[..31] + "…";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
