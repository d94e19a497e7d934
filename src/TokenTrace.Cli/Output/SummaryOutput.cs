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

        var showUnpriced = summary.Total.UnpricedRecords > 0;
        var showImpact = summary.Total.EstimatedRecords > 0;
        var header = summary.Dimensions.Select(d => Capitalize(d.Name)).ToList();
        if (header.Count == 0)
        {
            header.Add("");
        }

        header.AddRange(["Records", "Input", "Output", "Cache read", "Cache write", "Total tokens", "Cost"]);
        if (showUnpriced)
        {
            header.Add("Unpriced");
        }

        if (showImpact)
        {
            header.AddRange(["Energy (Wh)", "CO2e (g)"]);
        }

        var rows = summary.Dimensions.Count == 0 ? [] : summary.Rows.Select(row =>
            summary.Dimensions.Select(d => row.Key[d.Name] ?? "(none)").Concat(Cells(row.Totals, showUnpriced, showImpact)).ToArray()).ToList();
        var footer = Enumerable.Repeat<string?>("", Math.Max(1, summary.Dimensions.Count)).ToArray();
        footer[0] = "Total";
        TabularOutput.Write(context.Format, header, rows, [.. footer, .. Cells(summary.Total, showUnpriced, showImpact)], title);
        if (showUnpriced && context.Format == "table")
        {
            context.Warn(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{summary.Total.UnpricedRecords} record(s) have no known price and are left out of the cost; `tokentrace doctor` lists their models"));
        }
    }

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
        writer.WriteNumber("costUsd", t.CostUsd / 1.000000000000000000000000000m);
        writer.WriteNumber("unpricedRecords", t.UnpricedRecords);
        JsonOutput.WriteNullable(writer, "energyWh", t.EnergyWh?.Central);
        JsonOutput.WriteNullable(writer, "energyWhLow", t.EnergyWh?.Low);
        JsonOutput.WriteNullable(writer, "energyWhHigh", t.EnergyWh?.High);
        JsonOutput.WriteNullable(writer, "co2eGrams", t.Co2eGrams?.Central);
        JsonOutput.WriteNullable(writer, "co2eGramsLow", t.Co2eGrams?.Low);
        JsonOutput.WriteNullable(writer, "co2eGramsHigh", t.Co2eGrams?.High);
    }

    private static IEnumerable<string?> Cells(UsageTotals t, bool showUnpriced, bool showImpact)
    {
        yield return TabularOutput.Count(t.Records);
        yield return TabularOutput.Count(t.InputTokens);
        yield return TabularOutput.Count(t.OutputTokens);
        yield return TabularOutput.Count(t.CacheReadTokens);
        yield return TabularOutput.Count(t.CacheWriteTokens);
        yield return TabularOutput.Count(t.TotalTokens);
        yield return Money.Format(t.CostUsd);
        if (showUnpriced)
        {
            yield return TabularOutput.Count(t.UnpricedRecords);
        }

        if (showImpact)
        {
            yield return t.EnergyWh is { } e ? e.Central.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "-";
            yield return t.Co2eGrams is { } c ? c.Central.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }
    }

    private static string Capitalize(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];
}
