using System.Text.Json;

namespace TokenTrace.Reports;

/// <summary>
/// The documented JSON shape of a <see cref="UsageSummary"/> (<c>tokentrace summary --format json</c> and the server's
/// <c>GET /v1/summary</c>): one writer, so that the command and the API answer byte for byte alike.
/// </summary>
public static class UsageSummaryJson
{
    // Encoded once: a name given as text is checked for characters to escape and transcoded on every write, which was
    // a large part of writing 250,000 rows. The names are plain ASCII, so they are the same bytes under any encoder.
    private static readonly JsonEncodedText RecordsName = JsonEncodedText.Encode("records");
    private static readonly JsonEncodedText InputTokensName = JsonEncodedText.Encode("inputTokens");
    private static readonly JsonEncodedText OutputTokensName = JsonEncodedText.Encode("outputTokens");
    private static readonly JsonEncodedText CacheReadTokensName = JsonEncodedText.Encode("cacheReadTokens");
    private static readonly JsonEncodedText CacheWriteTokensName = JsonEncodedText.Encode("cacheWriteTokens");
    private static readonly JsonEncodedText CacheWrite1hTokensName = JsonEncodedText.Encode("cacheWrite1hTokens");
    private static readonly JsonEncodedText ReasoningTokensName = JsonEncodedText.Encode("reasoningTokens");
    private static readonly JsonEncodedText TotalTokensName = JsonEncodedText.Encode("totalTokens");
    private static readonly JsonEncodedText CostUsdName = JsonEncodedText.Encode("costUsd");
    private static readonly JsonEncodedText UnpricedRecordsName = JsonEncodedText.Encode("unpricedRecords");
    private static readonly JsonEncodedText EnergyWhName = JsonEncodedText.Encode("energyWh");
    private static readonly JsonEncodedText EnergyWhLowName = JsonEncodedText.Encode("energyWhLow");
    private static readonly JsonEncodedText EnergyWhHighName = JsonEncodedText.Encode("energyWhHigh");
    private static readonly JsonEncodedText Co2eGramsName = JsonEncodedText.Encode("co2eGrams");
    private static readonly JsonEncodedText Co2eGramsLowName = JsonEncodedText.Encode("co2eGramsLow");
    private static readonly JsonEncodedText Co2eGramsHighName = JsonEncodedText.Encode("co2eGramsHigh");

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
        writer.WriteNumber(RecordsName, totals.Records);
        writer.WriteNumber(InputTokensName, totals.InputTokens);
        writer.WriteNumber(OutputTokensName, totals.OutputTokens);
        writer.WriteNumber(CacheReadTokensName, totals.CacheReadTokens);
        writer.WriteNumber(CacheWriteTokensName, totals.CacheWriteTokens);
        writer.WriteNumber(CacheWrite1hTokensName, totals.CacheWrite1hTokens);
        writer.WriteNumber(ReasoningTokensName, totals.ReasoningTokens);
        writer.WriteNumber(TotalTokensName, totals.TotalTokens);
        if (KnownCost(totals) is { } cost)
        {
            writer.WriteNumber(CostUsdName, Canonical(cost));
        }
        else
        {
            writer.WriteNull(CostUsdName);
        }

        writer.WriteNumber(UnpricedRecordsName, totals.UnpricedRecords);
        WriteNullable(writer, EnergyWhName, totals.EnergyWh?.Central);
        WriteNullable(writer, EnergyWhLowName, totals.EnergyWh?.Low);
        WriteNullable(writer, EnergyWhHighName, totals.EnergyWh?.High);
        WriteNullable(writer, Co2eGramsName, totals.Co2eGrams?.Central);
        WriteNullable(writer, Co2eGramsLowName, totals.Co2eGrams?.Low);
        WriteNullable(writer, Co2eGramsHighName, totals.Co2eGrams?.High);
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

    private static void WriteNullable(Utf8JsonWriter writer, JsonEncodedText name, double? value)
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
