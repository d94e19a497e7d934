using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>
/// The columns of a <see cref="UsageTotals"/>, named as in the JSON (docs/end_user/cli.md): the same set in every CSV
/// that carries totals, whatever the data, so a script's column indexes never move.
/// </summary>
internal static class TotalsColumns
{
    public static IReadOnlyList<OutputColumn<T>> For<T>(Func<T, UsageTotals> totals) =>
    [
        new("Records", "records", r => totals(r).Records),
        new("Input", "inputTokens", r => totals(r).InputTokens, Compact: false),
        new("Output", "outputTokens", r => totals(r).OutputTokens, Compact: false),
        new("Cache read", "cacheReadTokens", r => totals(r).CacheReadTokens, Compact: false),
        new("Cache write", "cacheWriteTokens", r => totals(r).CacheWriteTokens, Compact: false),
        new("Cache write 1h", "cacheWrite1hTokens", r => totals(r).CacheWrite1hTokens) { InTable = false },
        new("Reasoning", "reasoningTokens", r => totals(r).ReasoningTokens) { InTable = false },
        new("Tokens", "totalTokens", r => totals(r).TotalTokens) { Essential = true },
        new("Cost", "costUsd", r => Money.KnownCost(totals(r))) { Essential = true },
        new("Unpriced", "unpricedRecords", r => totals(r).UnpricedRecords) { Essential = true },
        new("Energy", "energyWh", r => totals(r).EnergyWh?.Central, r => totals(r).EnergyWh is { } e ? Units.Energy(e.Central) : Money.Unknown, Compact: false),
        new("Energy low", "energyWhLow", r => totals(r).EnergyWh?.Low) { InTable = false },
        new("Energy high", "energyWhHigh", r => totals(r).EnergyWh?.High) { InTable = false },
        new("CO2e", "co2eGrams", r => totals(r).Co2eGrams?.Central, r => totals(r).Co2eGrams is { } c ? Units.Co2e(c.Central) : Money.Unknown),
        new("CO2e low", "co2eGramsLow", r => totals(r).Co2eGrams?.Low) { InTable = false },
        new("CO2e high", "co2eGramsHigh", r => totals(r).Co2eGrams?.High) { InTable = false },
    ];

    /// <summary>
    /// The columns people read in tables and Markdown: Unpriced only when some record is unpriced, energy and emissions
    /// only when some record has an estimate. CSV always has every column.
    /// </summary>
    public static IReadOnlyList<OutputColumn<T>> Shown<T>(CliContext context, IReadOnlyList<OutputColumn<T>> columns, UsageTotals total) =>
        context.Format == "csv" ? columns : [.. columns.Where(c =>
            (c.Name != "unpricedRecords" || total.UnpricedRecords > 0) &&
            (!c.Name.StartsWith("energy", StringComparison.Ordinal) && !c.Name.StartsWith("co2e", StringComparison.Ordinal) || total.EstimatedRecords > 0))];

    /// <summary>The note under a table whose cost leaves records out.</summary>
    public static string UnpricedNote(UsageTotals total) => string.Create(
        CultureInfo.InvariantCulture,
        $"{total.UnpricedRecords:#,0} of {total.Records:#,0} record(s) have no known price and are not in the cost (– where none is known); `tokentrace doctor` lists their models");
}
