using System.Text.Json;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary>Renders a <see cref="UsageSummary"/> in the four formats; the JSON shape is the documented, stable one.</summary>
internal static class SummaryOutput
{
    public static void Write(CliContext context, UsageSummary summary, string? title = null)
    {
        if (context.Format == "json")
        {
            JsonOutput.Write(writer => WriteJson(writer, summary));
            return;
        }

        var keyColumns = summary.Dimensions.Select(d => d.Name).ToList();
        if (keyColumns.Count == 0 && context.Format != "csv")
        {
            // No --by: one Total line in a table; CSV has no key column and one row, the total.
            keyColumns.Add("");
        }

        var columns = TotalsColumns.Shown(context, [.. keyColumns.Select(KeyColumn), .. TotalsColumns.For<SummaryRow>(r => r.Totals)], summary.Total);
        var footerKey = keyColumns.Count == 0 ? new Dictionary<string, string?>() : new Dictionary<string, string?> { [keyColumns[0]] = "Total" };
        var total = new SummaryRow(footerKey, summary.Total);
        if (context.Format == "csv")
        {
            // Programs sum the rows themselves; a total row among them would count everything twice.
            TabularOutput.Write(context, columns, summary.Dimensions.Count == 0 ? [total] : summary.Rows);
            return;
        }

        TabularOutput.Write(context, columns, summary.Dimensions.Count == 0 ? [] : summary.Rows, total, title);
        if (summary.Total.UnpricedRecords > 0 && context.Format == "table")
        {
            context.Warn(TotalsColumns.UnpricedNote(summary.Total));
        }
    }

    private static OutputColumn<SummaryRow> KeyColumn(string dimension) => new(Capitalize(dimension), dimension, r => r.Key.GetValueOrDefault(dimension), r => r.Key.TryGetValue(dimension, out var value) ? value ?? "(none)" : "")
    {
        IsNumeric = false,
        Essential = true,
        Wrap = dimension is not ("hour" or "day" or "week" or "month"),
    };

    /// <summary>The documented shape, written by the one writer the server's <c>/v1/summary</c> shares.</summary>
    public static void WriteJson(Utf8JsonWriter writer, UsageSummary summary) => UsageSummaryJson.Write(writer, summary);

    public static void WriteTotals(Utf8JsonWriter writer, UsageTotals t) => UsageSummaryJson.WriteTotals(writer, t);

    private static string Capitalize(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];
}
