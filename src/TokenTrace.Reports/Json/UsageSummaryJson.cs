using System.Text.Json;

namespace TokenTrace.Reports;

/// <summary>
/// The documented JSON shape of a <see cref="UsageSummary"/> (<c>tokentrace summary --format json</c> and the server's
/// <c>GET /v1/summary</c>): one writer, so that the command and the API answer byte for byte alike.
/// </summary>
public static class UsageSummaryJson
{
    /// <summary>
    /// How the command line and the server lay out JSON: indented, non-ASCII text kept readable (escaping still covers
    /// quotes and control characters).
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Indented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="summary"/> as <c>{"rows":[{"key":{…},…totals}],"total":{…}}</c>.</summary>
    public static void Write(Utf8JsonWriter writer, UsageSummary summary)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(summary);
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

            // A writer keeps everything until it is flushed, and a summary of 250,000 sessions is ≈ 150 MB of JSON.
            if (writer.BytesPending > 1 << 16)
            {
                writer.Flush();
            }
        }

        writer.WriteEndArray();
        writer.WriteStartObject("total");
        WriteTotals(writer, summary.Total);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes the fields of <paramref name="totals"/> (records, tokens, <c>costUsd</c>, energy and CO2e with their ranges) into the open object.</summary>
    public static void WriteTotals(Utf8JsonWriter writer, UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(totals);
        writer.WriteNumber("records", totals.Records);
        writer.WriteNumber("inputTokens", totals.InputTokens);
        writer.WriteNumber("outputTokens", totals.OutputTokens);
        writer.WriteNumber("cacheReadTokens", totals.CacheReadTokens);
        writer.WriteNumber("cacheWriteTokens", totals.CacheWriteTokens);
        writer.WriteNumber("cacheWrite1hTokens", totals.CacheWrite1hTokens);
        writer.WriteNumber("reasoningTokens", totals.ReasoningTokens);
        writer.WriteNumber("totalTokens", totals.TotalTokens);
        if (KnownCost(totals) is { } cost)
        {
            writer.WriteNumber("costUsd", Canonical(cost));
        }
        else
        {
            writer.WriteNull("costUsd");
        }

        writer.WriteNumber("unpricedRecords", totals.UnpricedRecords);
        WriteNullable(writer, "energyWh", totals.EnergyWh?.Central);
        WriteNullable(writer, "energyWhLow", totals.EnergyWh?.Low);
        WriteNullable(writer, "energyWhHigh", totals.EnergyWh?.High);
        WriteNullable(writer, "co2eGrams", totals.Co2eGrams?.Central);
        WriteNullable(writer, "co2eGramsLow", totals.Co2eGrams?.Low);
        WriteNullable(writer, "co2eGramsHigh", totals.Co2eGrams?.High);
    }

    /// <summary>
    /// The cost of <paramref name="totals"/> as far as it is known: null when every record in it is unpriced, so a model
    /// nobody could price shows as unknown instead of $0 (a partly priced total is the priced part; UnpricedRecords says
    /// how many are missing).
    /// </summary>
    public static decimal? KnownCost(UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        return totals.Records > 0 && totals.UnpricedRecords == totals.Records ? null : totals.CostUsd;
    }

    /// <summary>The value with no trailing zeros, as JSON and CSV carry it (full precision, invariant).</summary>
    public static decimal Canonical(decimal value) => value / 1.000000000000000000000000000m;

    private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
