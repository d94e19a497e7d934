using System.Text.Json;

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

    public static void WriteJson(Utf8JsonWriter writer, UsageSummary summary)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("rows");
        foreach (var row in summary.Rows)
        {
            writer.WriteStartObject();
            writer.WriteStartObject("key");
            foreach (var (name, value) in row.Key)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            WriteTotals(writer, row.Totals);
            writer.WriteEndObject();
            JsonOutput.FlushIfLarge(writer);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("total");
        WriteTotals(writer, summary.Total);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteTotals(Utf8JsonWriter writer, UsageTotals t)
    {
        writer.WriteNumber("records", t.Records);
        writer.WriteNumber("inputTokens", t.InputTokens);
        writer.WriteNumber("outputTokens", t.OutputTokens);
        writer.WriteNumber("cacheReadTokens", t.CacheReadTokens);
        writer.WriteNumber("cacheWriteTokens", t.CacheWriteTokens);
        writer.WriteNumber("cacheWrite1hTokens", t.CacheWrite1hTokens);
        writer.WriteNumber("reasoningTokens", t.ReasoningTokens);
        writer.WriteNumber("totalTokens", t.TotalTokens);
        if (Money.KnownCost(t) is { } cost)
        {
            writer.WriteNumber("costUsd", Money.Canonical(cost));
        }
        else
        {
            writer.WriteNull("costUsd");
        }

        writer.WriteNumber("unpricedRecords", t.UnpricedRecords);
        JsonOutput.WriteNullable(writer, "energyWh", t.EnergyWh?.Central);
        JsonOutput.WriteNullable(writer, "energyWhLow", t.EnergyWh?.Low);
        JsonOutput.WriteNullable(writer, "energyWhHigh", t.EnergyWh?.High);
        JsonOutput.WriteNullable(writer, "co2eGrams", t.Co2eGrams?.Central);
        JsonOutput.WriteNullable(writer, "co2eGramsLow", t.Co2eGrams?.Low);
        JsonOutput.WriteNullable(writer, "co2eGramsHigh", t.Co2eGrams?.High);
    }

    private static string Capitalize(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];
}
