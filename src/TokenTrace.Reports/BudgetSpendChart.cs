using System.Globalization;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>A budget's line: where it stands, its cumulative spend this period against the limit, and the forecast band.</summary>
internal static class BudgetSpendChart
{
    private const string Blue = "#4e79a7";
    private const string Red = "#e15759";

    public static void Write(StringBuilder html, BudgetReport budget)
    {
        var status = budget.Status;
        var b = status.Budget;
        html.Append(CultureInfo.InvariantCulture, $"<p><b>{HtmlText.Encode(b.Name)}</b> — {HtmlText.Encode(b.Period.Name)}, {HtmlText.Encode(BudgetScope.ToText(b.Scope))}: {HtmlText.Encode(Amount(status.Spend, b.Unit))} of {HtmlText.Encode(Amount(b.Limit, b.Unit))} ({status.Percent:0.#}%)");
        // A rolling window never resets: its forecast runs to the end of today or to when the oldest counted spend leaves.
        var rolling = b.Period.RollingDays > 0;
        if (budget.Forecast is { } f)
        {
            var until = rolling ? "by " + f.Window.End.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "by period end";
            html.Append(CultureInfo.InvariantCulture, $"; expected {until} {HtmlText.Encode(Amount(f.Expected, f.Unit))} (80%: {HtmlText.Encode(Amount(f.Low, f.Unit))}–{HtmlText.Encode(Amount(f.High, f.Unit))})");
        }

        html.Append("</p>");
        if (budget.Cumulative.Count == 0 || !(status.Window.Resets || rolling))
        {
            return;
        }

        // A calendar period is drawn whole (the forecast fills the days to come); a rolling window from its first day to today.
        var tz = b.ResolveTimeZone();
        var first = rolling ? budget.Cumulative[0].Day : DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(status.Window.Start, tz).DateTime);
        var last = rolling ? budget.Cumulative[^1].Day : DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(status.Window.End, tz).DateTime).AddDays(-1);
        var totalDays = Math.Max(1, last.DayNumber - first.DayNumber + 1);
        var scale = AxisScale.For(new[] { b.Limit, budget.Forecast?.High ?? 0, budget.Cumulative.Max(c => c.Spend) }.Max());
        var chart = new SvgChart(200, scale, Tick(b.Unit, scale.Top));
        double X(double day) => day / totalDays * SvgChart.PlotWidth;
        if (budget.Forecast is { } forecast && budget.Cumulative.Count < totalDays)
        {
            var startDay = budget.Cumulative.Count;
            var spent = budget.Cumulative[^1].Spend;
            chart.Mark(string.Create(CultureInfo.InvariantCulture, $"<polygon class=\"mark\" fill=\"{Blue}33\" points=\"{X(startDay):0.#},{chart.Y(spent):0.#} {X(totalDays):0.#},{chart.Y(forecast.High):0.#} {X(totalDays):0.#},{chart.Y(forecast.Low):0.#}\"><title>80% forecast interval</title></polygon>"));
            chart.Mark(string.Create(CultureInfo.InvariantCulture, $"<line x1=\"{X(startDay):0.#}\" y1=\"{chart.Y(spent):0.#}\" x2=\"{X(totalDays):0.#}\" y2=\"{chart.Y(forecast.Expected):0.#}\" stroke=\"{Blue}\" stroke-dasharray=\"4 3\" vector-effect=\"non-scaling-stroke\"/>"));
        }

        var points = string.Join(' ', budget.Cumulative.Select((c, i) => string.Create(CultureInfo.InvariantCulture, $"{X(i + 1):0.#},{chart.Y(c.Spend):0.#}")).Prepend(string.Create(CultureInfo.InvariantCulture, $"{X(0):0.#},{chart.Y(0):0.#}")));
        chart.Mark($"<polyline class=\"mark\" fill=\"none\" stroke=\"{Blue}\" stroke-width=\"2.5\" vector-effect=\"non-scaling-stroke\" points=\"{points}\"/>");
        chart.Mark(string.Create(CultureInfo.InvariantCulture, $"<line x1=\"0\" y1=\"{chart.Y(b.Limit):0.#}\" x2=\"{SvgChart.PlotWidth}\" y2=\"{chart.Y(b.Limit):0.#}\" stroke=\"{Red}\" stroke-width=\"1.5\" vector-effect=\"non-scaling-stroke\"/>"));
        chart.Note(100, chart.Y(b.Limit), "limit", Red);
        chart.XLabel(0, first.ToString("MM-dd", CultureInfo.InvariantCulture), anchor: "start");
        chart.XLabel(100, last.ToString("MM-dd", CultureInfo.InvariantCulture), anchor: "end");
        chart.WriteTo(html, "budget-" + Slug(b.Name), $"Budget {b.Name}: cumulative spend against the limit, with the forecast");
    }

    /// <summary>An amount in the budget's unit: money as everywhere else, tokens whole, emissions scaled.</summary>
    private static string Amount(decimal value, BudgetUnit unit) => unit switch
    {
        BudgetUnit.Usd => MoneyText.Format(value),
        BudgetUnit.Tokens => HtmlText.Count((long)Math.Round(value)) + " tokens",
        _ => QuantityText.Co2e((double)value),
    };

    private static Func<decimal, string> Tick(BudgetUnit unit, decimal top) => unit switch
    {
        BudgetUnit.Usd => MoneyText.Tick,
        BudgetUnit.Tokens => TokenTick,
        _ => QuantityText.Co2eTicks(top),
    };

    // "2.5M" fits the axis where "2,500,000" does not.
    private static string TokenTick(decimal value) => value switch
    {
        >= 1_000_000_000 => (value / 1_000_000_000).ToString("0.###", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (value / 1_000_000).ToString("0.###", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (value / 1_000).ToString("0.###", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static string Slug(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]);
}
