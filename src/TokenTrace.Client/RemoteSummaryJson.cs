using System.Text.Json;

namespace TokenTrace.Client;

/// <summary>
/// Reads the summary JSON the server answers (<c>UsageSummaryJson</c> in TokenTrace.Reports, the shape of
/// <c>tokentrace summary --format json</c>) back into a <see cref="UsageSummary"/>, so a view over the server writes what it
/// would over the server's own ledger.
/// </summary>
internal static class RemoteSummaryJson
{
    public static UsageSummary Read(JsonElement root, IReadOnlyList<SummaryDimension> by)
    {
        var rows = new List<SummaryRow>();
        foreach (var row in root.GetProperty("rows").EnumerateArray())
        {
            var key = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var field in row.GetProperty("key").EnumerateObject())
            {
                key[field.Name] = field.Value.ValueKind == JsonValueKind.Null ? null : field.Value.GetString();
            }

            rows.Add(new SummaryRow(key, Totals(row)));
        }

        return new UsageSummary(by, rows, Totals(root.GetProperty("total")));
    }

    private static UsageTotals Totals(JsonElement e)
    {
        var records = e.GetProperty("records").GetInt64();
        var cacheWrite = e.GetProperty("cacheWriteTokens").GetInt64();
        var cacheWrite1h = e.GetProperty("cacheWrite1hTokens").GetInt64();
        var energy = Range(e, "energyWh");
        var co2e = Range(e, "co2eGrams");

        // The JSON says whether anything was estimated (energy null or not), not how many records were: what matters
        // downstream is only that the figures show, so every record counts as estimated when any was.
        var estimated = energy is null && co2e is null ? 0 : records;
        var cost = e.GetProperty("costUsd") is { ValueKind: JsonValueKind.Number } c ? c.GetDecimal() : 0m;
        return UsageTotals.FromSums(
            records,
            e.GetProperty("inputTokens").GetInt64(),
            e.GetProperty("outputTokens").GetInt64(),
            e.GetProperty("cacheReadTokens").GetInt64(),
            cacheWrite - cacheWrite1h,
            cacheWrite1h,
            e.GetProperty("reasoningTokens").GetInt64(),
            cost,
            e.GetProperty("unpricedRecords").GetInt64(),
            estimated,
            energy ?? default,
            co2e ?? default);
    }

    private static EstimateRange? Range(JsonElement e, string name) =>
        e.GetProperty(name) is { ValueKind: JsonValueKind.Number } central
            ? new EstimateRange(e.GetProperty(name + "Low").GetDouble(), central.GetDouble(), e.GetProperty(name + "High").GetDouble())
            : null;
}
