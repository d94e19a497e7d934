using System.Text;

namespace TokenTrace.Reports;

/// <summary>
/// One row per model: what it cost, its share of the cost, tokens, cache hits, cost per million tokens, energy and
/// emissions with their ranges, and the cost change against the previous period.
/// </summary>
internal static class ModelTable
{
    public static void Write(StringBuilder html, UsageReport report)
    {
        var summary = report.ByModel;
        if (summary.Rows.Count == 0)
        {
            return;
        }

        var previous = report.PreviousByModel?.Rows.ToDictionary(r => r.Key["model"] ?? "", r => r.Totals, StringComparer.Ordinal);
        var columns = new List<string> { "Model", "Cost", "Share of cost", "Tokens", "Cache hits", "Per 1M tokens", "Energy", "CO2e" };
        if (previous is not null)
        {
            columns.Add("Cost vs previous");
        }

        var table = new HtmlTable(html, "models", [.. columns]);
        foreach (var row in summary.Rows)
        {
            var model = row.Key["model"] ?? "(none)";
            table.Row([.. Cells(model, row.Totals, summary.Total, previous is null ? null : (previous.GetValueOrDefault(row.Key["model"] ?? "") ?? new UsageTotals()))]);
        }

        if (summary.Rows.Count > 1)
        {
            table.Row("total", [.. Cells("All models", summary.Total, summary.Total, report.PreviousByModel?.Total)]);
        }

        table.End();
        if (summary.Total.UnpricedRecords > 0)
        {
            html.Append("<p class=\"muted\">– : no price for these calls, so their cost is unknown (not $0). ≥ : some calls of the row have no price; the amount is what the priced ones cost.</p>");
        }
    }

    private static IEnumerable<(string, string?)> Cells(string model, UsageTotals totals, UsageTotals all, UsageTotals? previous)
    {
        var priced = MoneyText.HasPrice(totals);
        yield return (model, null);
        yield return (MoneyText.Of(totals), totals.UnpricedRecords > 0 && priced ? HtmlText.Count(totals.UnpricedRecords) + " unpriced" : null);
        yield return (priced && all.CostUsd > 0 ? RatioText.Percent((double)(totals.CostUsd / all.CostUsd)) : MoneyText.Unknown, null);
        yield return (HtmlText.Count(totals.TotalTokens), null);
        yield return (RatioText.Percent(RatioText.CacheHitShare(totals)), null);
        yield return (PerMillion(totals), null);
        yield return totals.EnergyWh is { } energy ? (QuantityText.Energy(energy.Central), QuantityText.EnergyRange(energy)) : (MoneyText.Unknown, null);
        yield return totals.Co2eGrams is { } co2 ? (QuantityText.Co2e(co2.Central), QuantityText.Co2eRange(co2)) : (MoneyText.Unknown, null);
        if (previous is not null)
        {
            yield return (MoneyText.Change(totals, previous), MoneyText.HasPrice(previous) ? "was " + MoneyText.Of(previous) : null);
        }
    }

    /// <summary>
    /// Cost over all tokens of the row. With some records unpriced the true figure is higher, hence "≥"; with none
    /// priced it is unknown.
    /// </summary>
    private static string PerMillion(UsageTotals totals) =>
        !MoneyText.HasPrice(totals) || totals.TotalTokens == 0
            ? MoneyText.Unknown
            : (totals.UnpricedRecords > 0 ? "≥ " : "") + MoneyText.Format(totals.CostUsd / totals.TotalTokens * 1_000_000m);
}
