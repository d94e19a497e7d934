using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace carbon</c>: energy and emissions by any dimension, with everyday equivalents; the region table; one call explained.</summary>
internal static class CarbonCommand
{
    public static Command Create()
    {
        var by = new Option<string[]>("--by") { Description = "Group by (default: model): model, project, day, region, provider… (as summary).", HelpName = "DIM" };
        var regions = new Option<bool>("--regions") { Description = "List the grid-intensity table (every region and country, with its source)." };
        var explain = new Option<string?>("--explain") { Description = "Explain the estimate for one call of MODEL (use --input, --output, --cache-read, --region).", HelpName = "MODEL" };
        var input = new Option<long>("--input") { Description = "With --explain: uncached input tokens.", HelpName = "N", CustomParser = InvariantNumberParser.Int64 };
        var output = new Option<long>("--output") { Description = "With --explain: output tokens.", HelpName = "N", CustomParser = InvariantNumberParser.Int64 };
        var cacheRead = new Option<long>("--cache-read") { Description = "With --explain: cache-read tokens.", HelpName = "N", CustomParser = InvariantNumberParser.Int64 };
        var region = new Option<string?>("--region") { Description = "With --explain: the region or country.", HelpName = "R" };
        var filters = new FilterOptions();
        var command = new Command("carbon", """
            Energy (Wh) and emissions (gCO2e) with low–high ranges, by model, project, day or any dimension,
            and what they compare to. Location-based grid intensity by default (impact.basis in the config).

            Examples:
              tokentrace carbon --by day --since 2026-11-01
              tokentrace carbon --explain gpt-4o --input 1000 --output 500 --region eu-north-1
              tokentrace carbon --regions
            """);
        foreach (var option in new Option[] { by, regions, explain, input, output, cacheRead, region })
        {
            command.Options.Add(option);
        }

        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            if (parse.GetValue(regions))
            {
                ListRegions(context);
                return ExitCodes.Success;
            }

            if (parse.GetValue(explain) is { } model)
            {
                var record = new UsageRecord
                {
                    Id = "explain",
                    Timestamp = DateTimeOffset.UtcNow,
                    Model = model,
                    Provider = filters.Read(parse).Provider,
                    Region = parse.GetValue(region),
                    Tokens = new TokenCounts { Input = parse.GetValue(input), Output = parse.GetValue(output), CacheRead = parse.GetValue(cacheRead) },
                };
                UsageRecordValidator.ThrowIfInvalid(record);
                var breakdown = context.Estimator.Explain(record) ?? throw new CliInputException($"no architecture or price for model '{model}'; see `tokentrace prices show {model}`");
                Explain(context, breakdown);
                return ExitCodes.Success;
            }

            var dimensions = SummaryCommand.ParseDimensions(parse.GetValue(by));
            if (dimensions.Count == 0)
            {
                dimensions = [SummaryDimension.Model];
            }

            var ledger = context.OpenLedger();
            await using (ledger.ConfigureAwait(false))
            {
                var summary = await ledger.SummarizeAsync(context.Query(filters.Read(parse)), dimensions, context.TimeZone, cancellationToken).ConfigureAwait(false);
                if (summary.Total.Records == 0)
                {
                    // As summary: only an empty answer pays for the typo check.
                    await FilterValueCheck.ThrowIfUnknownAsync(ledger, filters.Read(parse), null, cancellationToken).ConfigureAwait(false);
                }
                Write(context, summary);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(CliContext context, UsageSummary summary)
    {
        var total = summary.Total;
        var equivalences = Equivalences.Of(total.EnergyWh?.Central ?? 0, total.Co2eGrams?.Central ?? 0);
        if (context.Format == "json")
        {
            JsonOutput.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("summary");
                SummaryOutput.WriteJson(writer, summary);
                writer.WriteNumber("unestimatedRecords", total.Records - total.EstimatedRecords);
                writer.WriteStartObject("equivalences");
                writer.WriteNumber("carKilometres", equivalences.CarKilometres);
                writer.WriteNumber("phoneCharges", equivalences.PhoneCharges);
                writer.WriteNumber("kettleBoils", equivalences.KettleBoils);
                writer.WriteNumber("ledBulbHours", equivalences.LedBulbHours);
                writer.WriteEndObject();
                writer.WriteEndObject();
            });
            return;
        }

        var columns = new List<OutputColumn<SummaryRow>>();
        columns.AddRange(summary.Dimensions.Select(d => new OutputColumn<SummaryRow>(char.ToUpperInvariant(d.Name[0]) + d.Name[1..], d.Name, r => r.Key.GetValueOrDefault(d.Name), r => r.Key.TryGetValue(d.Name, out var v) ? v ?? "(none)" : "") { IsNumeric = false, Essential = true, Wrap = d.Name is not ("hour" or "day" or "week" or "month") }));
        columns.AddRange(
        [
            new("Records", "records", r => r.Totals.Records),
            new("Energy", "energyWh", r => r.Totals.EnergyWh?.Central, r => r.Totals.EnergyWh is { } e ? Units.Energy(e.Central) : Money.Unknown) { Essential = true },
            new("Energy range", "", r => null, r => r.Totals.EnergyWh is { } e ? $"{Units.Energy(e.Low)} – {Units.Energy(e.High)}" : Money.Unknown, Compact: false) { InCsv = false },
            new("", "energyWhLow", r => r.Totals.EnergyWh?.Low) { InTable = false },
            new("", "energyWhHigh", r => r.Totals.EnergyWh?.High) { InTable = false },
            new("CO2e", "co2eGrams", r => r.Totals.Co2eGrams?.Central, r => r.Totals.Co2eGrams is { } c ? Units.Co2e(c.Central) : Money.Unknown) { Essential = true },
            new("CO2e range", "", r => null, r => r.Totals.Co2eGrams is { } c ? $"{Units.Co2e(c.Low)} – {Units.Co2e(c.High)}" : Money.Unknown, Compact: false) { InCsv = false },
            new("", "co2eGramsLow", r => r.Totals.Co2eGrams?.Low) { InTable = false },
            new("", "co2eGramsHigh", r => r.Totals.Co2eGrams?.High) { InTable = false },
            new("Cost", "costUsd", r => Money.KnownCost(r.Totals)) { Essential = true },
            new("Unpriced", "unpricedRecords", r => r.Totals.UnpricedRecords, Compact: false) { InTable = total.UnpricedRecords > 0 },
            new("", "unestimatedRecords", r => r.Totals.Records - r.Totals.EstimatedRecords) { InTable = false },
        ]);
        var footer = new SummaryRow(summary.Dimensions.Count == 0 ? new Dictionary<string, string?>() : new Dictionary<string, string?> { [summary.Dimensions[0].Name] = "Total" }, total);
        TabularOutput.Write(context, columns, summary.Rows, context.Format == "csv" ? null : footer);
        if (context.Format == "table" && total.EstimatedRecords > 0)
        {
            CliContext.Out.MarkupLineInterpolated(
                CultureInfo.InvariantCulture,
                $"≈ {Units.Significant(equivalences.CarKilometres)} km by car · {Units.Significant(equivalences.PhoneCharges)} phone charges · {Units.Significant(equivalences.KettleBoils)} kettle boils · {Units.Significant(equivalences.LedBulbHours)} h of a 10 W LED bulb");
        }

        if (total.Records > total.EstimatedRecords)
        {
            context.Warn(string.Create(CultureInfo.InvariantCulture, $"{total.Records - total.EstimatedRecords} record(s) have no estimate (unknown model, or recorded before estimates existed)"));
        }
    }

    private static void Explain(CliContext context, ImpactBreakdown b)
    {
        var e = b.Estimate;
        if (context.Format == "json")
        {
            JsonOutput.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("model", b.Architecture.Name);
                writer.WriteNumber("totalParametersBillions", b.Architecture.TotalBillions.Central);
                writer.WriteNumber("activeParametersBillions", b.Architecture.ActiveBillions.Central);
                writer.WriteString("architectureSource", b.Architecture.Source);
                writer.WriteString("provider", b.Provider.Name);
                writer.WriteNumber("pue", b.Provider.Pue.Central);
                writer.WriteString("region", b.Grid.Id);
                writer.WriteString("regionRule", b.RegionRule);
                writer.WriteNumber("gramsPerKwh", b.GramsPerKwh.Central);
                writer.WriteString("gridSource", b.Grid.Source);
                writer.WriteNumber("accelerators", b.Accelerators);
                writer.WriteNumber("prefillTokens", b.PrefillTokens);
                writer.WriteNumber("decodeSecondsPerToken", b.DecodeSecondsPerToken);
                writer.WriteNumber("prefillSecondsPerToken", b.PrefillSecondsPerToken);
                writer.WriteNumber("acceleratorSeconds", b.AcceleratorSeconds);
                writer.WriteNumber("energyWh", e.EnergyWh.Central);
                writer.WriteNumber("energyWhLow", e.EnergyWh.Low);
                writer.WriteNumber("energyWhHigh", e.EnergyWh.High);
                writer.WriteNumber("co2eGrams", e.Co2eGrams.Central);
                writer.WriteNumber("co2eGramsLow", e.Co2eGrams.Low);
                writer.WriteNumber("co2eGramsHigh", e.Co2eGrams.High);
                writer.WriteNumber("waterMl", b.WaterMl);
                writer.WriteStartArray("notes");
                foreach (var note in b.Notes)
                {
                    writer.WriteStringValue(note);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return;
        }

        var a = b.Architecture;
        var lines = new (string, string)[]
        {
            ("model", string.Create(CultureInfo.InvariantCulture, $"{a.Name}: {Units.Significant(a.TotalBillions.Central)}B total, {Units.Significant(a.ActiveBillions.Central)}B active ({a.Kind}) — {a.Source}, {a.Year}")),
            ("provider", $"{b.Provider.Name}: PUE {Units.Significant(b.Provider.Pue.Central)} — {b.Provider.Source}"),
            ("region", $"{b.Grid.Id} ({b.RegionRule}): {Units.Significant(b.GramsPerKwh.Central)} gCO2e/kWh — {b.Grid.Source}"),
            ("accelerators", string.Create(CultureInfo.InvariantCulture, $"{b.Accelerators} to hold the weights")),
            ("decode", $"{Units.Significant(b.DecodeSecondsPerToken)} accelerator-s per output token"),
            ("prefill", $"{Units.Significant(b.PrefillSecondsPerToken)} accelerator-s per prefilled token × {Units.Significant(b.PrefillTokens)} tokens"),
            ("accelerator time", $"{Units.Significant(b.AcceleratorSeconds)} s"),
            ("energy", $"{Units.Energy(e.EnergyWh.Central)} (range {Units.Energy(e.EnergyWh.Low)} – {Units.Energy(e.EnergyWh.High)})"),
            ("emissions", $"{Units.Co2e(e.Co2eGrams.Central)} CO2e (range {Units.Co2e(e.Co2eGrams.Low)} – {Units.Co2e(e.Co2eGrams.High)})"),
            ("water", $"{Units.Significant(b.WaterMl)} mL on site (WUE {Units.Significant(b.Provider.Wue)} L/kWh)"),
        };
        foreach (var (label, text) in lines)
        {
            CliContext.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]{label,-16}[/] {text}");
        }

        foreach (var note in b.Notes)
        {
            context.Warn(note);
        }
    }

    private static void ListRegions(CliContext context)
    {
        var grid = ImpactTables.Default.Grid
            .OrderBy(g => g.Cloud ?? "~", StringComparer.Ordinal).ThenBy(g => g.Id, StringComparer.Ordinal)
            .ToList();
        if (context.Format == "json")
        {
            JsonOutput.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("regions");
                foreach (var g in grid)
                {
                    writer.WriteStartObject();
                    writer.WriteString("region", g.Id);
                    writer.WriteString("cloud", g.Cloud);
                    writer.WriteString("location", g.Location);
                    writer.WriteNumber("gramsPerKwh", g.GramsPerKwh);
                    writer.WriteString("source", g.Source);
                    writer.WriteNumber("year", g.Year);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return;
        }

        TabularOutput.Write(context, RegionColumns, grid);
    }

    private static readonly IReadOnlyList<OutputColumn<GridRegion>> RegionColumns =
    [
        OutputColumn<GridRegion>.Label("Region", "region", g => g.Id),
        OutputColumn<GridRegion>.Label("Cloud", "cloud", g => g.Cloud ?? "country"),
        OutputColumn<GridRegion>.Label("Location", "location", g => g.Location),
        new("gCO2e/kWh", "gramsPerKwh", g => g.GramsPerKwh, g => g.GramsPerKwh.ToString("0.##", CultureInfo.InvariantCulture)),
        OutputColumn<GridRegion>.Label("Source", "source", g => g.Source, compact: false),
        new("Year", "year", g => g.Year, g => g.Year.ToString(CultureInfo.InvariantCulture)),
    ];
}
