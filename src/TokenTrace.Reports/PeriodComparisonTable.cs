using System.Globalization;
using System.Text;

namespace TokenTrace.Reports;

/// <summary>This period and the one of the same length just before it, side by side, with the change.</summary>
internal static class PeriodComparisonTable
{
    public static void Write(StringBuilder html, UsageReport report, TimeZoneInfo timeZone)
    {
        if (report.PreviousQuery is not { } previousQuery || report.PreviousByModel is not { } previousByModel)
        {
            return;
        }

        var now = report.ByModel.Total;
        var before = previousByModel.Total;
        html.Append("<h2>Compared with the previous period</h2><p class=\"muted\">")
            .Append(HtmlText.Encode(HtmlText.Days(report.Query.Since, report.Query.Until, timeZone))).Append(" against ")
            .Append(HtmlText.Encode(HtmlText.Days(previousQuery.Since, previousQuery.Until, timeZone))).Append(", the same filters.</p>");
        var table = new HtmlTable(html, "compare fits", "", "This period", "Previous period", "Change");
        table.Row(("Cost", null), (MoneyText.Of(now), null), (MoneyText.Of(before), null), (MoneyText.Change(now, before), null));
        table.Row(("Calls", null), (HtmlText.Count(now.Records), null), (HtmlText.Count(before.Records), null), (RatioText.Change(now.Records, before.Records), null));
        table.Row(("Tokens", null), (HtmlText.Count(now.TotalTokens), null), (HtmlText.Count(before.TotalTokens), null), (RatioText.Change(now.TotalTokens, before.TotalTokens), null));
        table.Row(("Cache hits", null), (RatioText.Percent(RatioText.CacheHitShare(now)), null), (RatioText.Percent(RatioText.CacheHitShare(before)), null), (Points(RatioText.CacheHitShare(now), RatioText.CacheHitShare(before)), null));
        table.Row(
            ("Energy", null),
            now.EnergyWh is { } e ? (QuantityText.Energy(e.Central), QuantityText.EnergyRange(e)) : (MoneyText.Unknown, null),
            before.EnergyWh is { } pe ? (QuantityText.Energy(pe.Central), QuantityText.EnergyRange(pe)) : (MoneyText.Unknown, null),
            (RatioText.Change(now.EnergyWh?.Central ?? 0, before.EnergyWh?.Central ?? 0), null));
        table.Row(
            ("CO2e", null),
            now.Co2eGrams is { } c ? (QuantityText.Co2e(c.Central), QuantityText.Co2eRange(c)) : (MoneyText.Unknown, null),
            before.Co2eGrams is { } pc ? (QuantityText.Co2e(pc.Central), QuantityText.Co2eRange(pc)) : (MoneyText.Unknown, null),
            (RatioText.Change(now.Co2eGrams?.Central ?? 0, before.Co2eGrams?.Central ?? 0), null));
        table.End();
    }

    // A share changes in percentage points: 40% → 50% is "+10 pp", which a relative "+25%" would obscure.
    private static string Points(double? now, double? before) =>
        now is { } n && before is { } b
            ? Signed(Math.Round((n - b) * 100, 1) + 0.0) + " pp"
            : MoneyText.Unknown;

    private static string Signed(double points) => (points > 0 ? "+" : "") + points.ToString("0.#", CultureInfo.InvariantCulture);
}
