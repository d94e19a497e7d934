using System.Globalization;
using System.Text.Json;

namespace TokenTrace.Cli;

/// <summary>
/// Renders billing blocks in the four formats. Every format has the block's times, state, models and the usual totals
/// (tokens, cost, energy, CO2e); the active block adds its pace and projection. JSON: <c>{"rows":[…],"total":{…}}</c>.
/// </summary>
internal static class BlocksOutput
{
    public static void Write(CliContext context, IReadOnlyList<BillingBlock> blocks, DateTimeOffset now, bool activeOnly)
    {
        var rows = blocks.Select(b => b.IsActiveAt(now)
            ? new BlockRow(b, b.Totals, BlockBurn.Of(b, now), true)
            : new BlockRow(b, b.Totals, null, false)).ToList();
        var total = new UsageTotals();
        foreach (var block in blocks)
        {
            total.Add(block.Totals);
        }

        if (context.Format == "json")
        {
            JsonOutput.Write(writer => WriteJson(writer, rows, total));
            return;
        }

        if (rows.Count == 0 && context.Format == "table")
        {
            context.Info(activeOnly ? "No active block: nothing was used in the last 5 hours." : "No usage in the blocks' sources and range.");
            return;
        }

        var columns = TotalsColumns.Shown(context, Columns(context, activeOnly), total);
        if (context.Format == "csv")
        {
            TabularOutput.Write(context, columns, rows);
            return;
        }

        if (activeOnly)
        {
            // One block with a dozen figures: a list of them, which fits any terminal, rather than one very wide row.
            TabularOutput.Write(context.Format, ["Active block", ""], Figures(context, rows[0]));
            return;
        }

        TabularOutput.Write(context, columns, rows, activeOnly ? null : new BlockRow(null, total, null, false, "Total"), activeOnly ? "Active block" : null);
        if (total.UnpricedRecords > 0 && context.Format == "table")
        {
            context.Warn(TotalsColumns.UnpricedNote(total));
        }
    }

    private static IReadOnlyList<OutputColumn<BlockRow>> Columns(CliContext context, bool activeOnly)
    {
        List<OutputColumn<BlockRow>> columns =
        [
            new("Block start", "start", r => r.Block?.Start, r => r.Label ?? Local(context, r.Block!.Start)) { IsNumeric = false, Essential = true },
            new("Status", "status", r => null, r => r.Block is { } b ? Status(b, r.Burn) : "") { IsNumeric = false, InCsv = false },
            new("End", "end", r => r.Block?.End) { InTable = false },
            new("First activity", "firstActivity", r => r.Block?.FirstActivity) { InTable = false },
            new("Last activity", "lastActivity", r => r.Block?.LastActivity) { InTable = false },
            new("Active", "isActive", r => r.IsActive) { InTable = false },
            new("Gap", "isGap", r => r.Block?.IsGap ?? false) { InTable = false },
            new("Models", "models", r => string.Join(' ', r.Block?.Models ?? []), r => string.Join(", ", r.Block?.Models ?? [])) { IsNumeric = false, Wrap = true, Compact = false },
            .. TotalsColumns.For<BlockRow>(r => r.Totals),
        ];
        if (activeOnly)
        {
            columns.AddRange(
            [
                new("Tokens/min", "tokensPerMinute", r => r.Burn?.TokensPerMinute, r => r.Burn is { } b ? TabularOutput.Count((long)Math.Round(b.TokensPerMinute)) : null) { Essential = true },
                new("Cost/h", "costUsdPerHour", r => r.Burn?.CostUsdPerHour) { Essential = true },
                new("Projected tokens", "projectedTokens", r => r.Burn?.ProjectedTokens) { Essential = true },
                new("Projected cost", "projectedCostUsd", r => r.Burn?.ProjectedCostUsd) { Essential = true },
                new("Elapsed min", "elapsedMinutes", r => r.Burn is { } b ? (long)b.Elapsed.TotalMinutes : null) { InTable = false },
                new("Remaining min", "remainingMinutes", r => r.Burn is { } b ? (long)b.Remaining.TotalMinutes : null) { InTable = false },
            ]);
        }

        return columns;
    }

    private static List<string?[]> Figures(CliContext context, BlockRow row)
    {
        var (block, burn, totals) = (row.Block!, row.Burn!, row.Totals);
        List<string?[]> figures =
        [
            ["Started", Local(context, block.Start)],
            ["Ends", Local(context, block.End)],
            ["Elapsed", Duration(burn.Elapsed)],
            ["Left", Duration(burn.Remaining)],
            ["First record", Local(context, block.FirstActivity)],
            ["Last record", Local(context, block.LastActivity)],
            ["Models", string.Join(", ", block.Models)],
            ["Records", TabularOutput.Count(totals.Records)],
            ["Tokens", TabularOutput.Count(totals.TotalTokens)],
            ["Cost", Money.Format(Money.KnownCost(totals))],
        ];
        if (totals.EnergyWh is { } energy && totals.Co2eGrams is { } co2e)
        {
            figures.Add(["Energy", Units.Energy(energy.Central)]);
            figures.Add(["CO2e", Units.Co2e(co2e.Central)]);
        }

        figures.Add(["Tokens per minute", TabularOutput.Count((long)Math.Round(burn.TokensPerMinute))]);
        figures.Add(["Cost per hour", Money.Format(burn.CostUsdPerHour)]);
        figures.Add(["Projected tokens", TabularOutput.Count(burn.ProjectedTokens)]);
        figures.Add(["Projected cost", Money.Format(burn.ProjectedCostUsd)]);
        return figures;
    }

    /// <summary>What a person reads about a block's state: idle time, the time left in the active one, or how long one lasted.</summary>
    private static string Status(BillingBlock block, BlockBurn? burn) =>
        block.IsGap ? "idle " + Duration(block.End - block.Start)
        : burn is not null ? $"ACTIVE, {Duration(burn.Remaining)} left"
        : Duration(block.LastActivity - block.Start);

    /// <summary>A span as whole hours and minutes ("3h 05m"), rounded down: the way a time left is read.</summary>
    public static string Duration(TimeSpan span) =>
        string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalHours}h {span.Minutes:00}m");

    private static string Local(CliContext context, DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, context.TimeZone).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private static void WriteJson(Utf8JsonWriter writer, IReadOnlyList<BlockRow> rows, UsageTotals total)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("rows");
        foreach (var row in rows)
        {
            var block = row.Block!;
            writer.WriteStartObject();
            writer.WriteString("start", block.Start.UtcDateTime);
            writer.WriteString("end", block.End.UtcDateTime);
            writer.WriteString("firstActivity", block.FirstActivity.UtcDateTime);
            writer.WriteString("lastActivity", block.LastActivity.UtcDateTime);
            writer.WriteBoolean("isActive", row.IsActive);
            writer.WriteBoolean("isGap", block.IsGap);
            writer.WriteStartArray("models");
            foreach (var model in block.Models)
            {
                writer.WriteStringValue(model);
            }

            writer.WriteEndArray();
            SummaryOutput.WriteTotals(writer, row.Totals);
            if (row.Burn is { } burn)
            {
                writer.WriteStartObject("burnRate");
                writer.WriteNumber("tokensPerMinute", burn.TokensPerMinute);
                WriteMoney(writer, "costUsdPerHour", burn.CostUsdPerHour);
                writer.WriteEndObject();
                writer.WriteStartObject("projection");
                writer.WriteNumber("totalTokens", burn.ProjectedTokens);
                WriteMoney(writer, "costUsd", burn.ProjectedCostUsd);
                writer.WriteNumber("elapsedMinutes", (long)burn.Elapsed.TotalMinutes);
                writer.WriteNumber("remainingMinutes", (long)burn.Remaining.TotalMinutes);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("burnRate");
                writer.WriteNull("projection");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("total");
        SummaryOutput.WriteTotals(writer, total);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteMoney(Utf8JsonWriter writer, string name, decimal? amount)
    {
        if (amount is { } value)
        {
            writer.WriteNumber(name, Money.Canonical(value));
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
