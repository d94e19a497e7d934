using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace doctor</c>: checks the config, the ledger's integrity and which models have no price.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var repair = new Option<bool>("--repair")
        {
            Description = "Move unreadable lines of a JSONL or CSV ledger into a .rejected file beside it (nothing is deleted), then check again.",
        };
        var rebuildSums = new Option<bool>("--rebuild-sums")
        {
            Description = "Throw away the sums the ledger keeps beside its records (PostgreSQL's tables of sums, SQLite's hourly rollup) and sum them again from the records, in steps, then check again.",
        };
        var command = new Command("doctor", """
            Check the configuration, the ledger's integrity (torn or malformed lines, a damaged database)
            and list models that have no price. Exits 2 when the ledger has problems.

            Examples:
              tokentrace doctor --ledger jsonl:~/.tokentrace/usage
              tokentrace doctor --repair --ledger csv:usage.csv
              tokentrace doctor --rebuild-sums --ledger postgres://tokentrace@db/tokentrace
            """);
        command.Options.Add(repair);
        command.Options.Add(rebuildSums);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            if (parse.GetValue(repair))
            {
                var target = context.OpenLedger();
                await using (target.ConfigureAwait(false))
                {
                    if (target.GetService<ILedgerMaintenance>() is { } maintenance)
                    {
                        var moved = await maintenance.QuarantineAsync(cancellationToken).ConfigureAwait(false);
                        context.Info(string.Create(CultureInfo.InvariantCulture, $"Moved {moved} unreadable line(s) into .rejected files."));
                    }
                    else
                    {
                        context.Info($"{target.Spec} cannot be repaired in place; see docs/runbook/backup-and-recovery.md.");
                    }
                }
            }

            if (parse.GetValue(rebuildSums))
            {
                var target = context.OpenLedger();
                await using (target.ConfigureAwait(false))
                {
                    if (target.GetService<IAggregateRebuilder>() is { } rebuilder)
                    {
                        var summed = await rebuilder.RebuildAggregatesAsync(cancellationToken).ConfigureAwait(false);
                        context.Info(string.Create(CultureInfo.InvariantCulture, $"Rebuilt the sums of {target.Spec} from {summed:N0} record(s)."));
                    }
                    else
                    {
                        context.Info($"{target.Spec} keeps no sums beside its records: nothing to rebuild.");
                    }
                }
            }

            var settings = context.Settings;
            var catalog = context.Catalog;
            var ledger = context.OpenLedger();
            LedgerHealth health;
            UsageSummary? unpriced = null;
            await using (ledger.ConfigureAwait(false))
            {
                health = await ledger.CheckAsync(cancellationToken).ConfigureAwait(false);
                if (health.IsHealthy)
                {
                    var byModel = await ledger.SummarizeAsync(context.Query(), [SummaryDimension.Model], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
                    unpriced = byModel with { Rows = [.. byModel.Rows.Where(r => r.Totals.UnpricedRecords > 0)] };
                }
            }

            if (context.Format == "json")
            {
                JsonOutput.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("config", settings.SourcePath);
                    writer.WriteString("ledger", health.Spec);
                    writer.WriteBoolean("healthy", health.IsHealthy);
                    writer.WriteNumber("records", health.Records);
                    writer.WriteStartArray("problems");
                    foreach (var problem in health.Problems)
                    {
                        writer.WriteStringValue(problem.ToString());
                    }

                    writer.WriteEndArray();
                    writer.WriteStartObject("details");
                    foreach (var (key, value) in health.Details)
                    {
                        writer.WriteString(key, value);
                    }

                    writer.WriteEndObject();
                    writer.WriteStartArray("catalogLayers");
                    foreach (var layer in catalog.Layers)
                    {
                        writer.WriteStringValue(layer);
                    }

                    writer.WriteEndArray();
                    writer.WriteNumber("pricedModels", catalog.Count);
                    writer.WriteStartArray("unpricedModels");
                    foreach (var row in unpriced?.Rows ?? [])
                    {
                        writer.WriteStartObject();
                        writer.WriteString("model", row.Key["model"]);
                        writer.WriteNumber("records", row.Totals.UnpricedRecords);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else
            {
                var console = CliContext.Out;
                console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"config:  {settings.SourcePath ?? "(none; defaults)"}");
                console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"ledger:  {health.Spec}");
                foreach (var (key, value) in health.Details)
                {
                    console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"  {key}: {value}");
                }

                console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"records: {health.Records:N0}");
                console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"prices:  {catalog.Count:N0} models from {string.Join(", ", catalog.Layers)}");
                foreach (var row in unpriced?.Rows ?? [])
                {
                    console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]unpriced:[/] {row.Key["model"]} ({row.Totals.UnpricedRecords:N0} records) — see `tokentrace prices show {row.Key["model"]}`");
                }

                foreach (var problem in health.Problems)
                {
                    console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]problem:[/] {problem}");
                }

                console.MarkupLine(health.IsHealthy ? "[green]healthy[/]" : "[red]problems found[/] (see docs/runbook/backup-and-recovery.md)");
            }

            if (!health.IsHealthy)
            {
                // Every exit 2 says why on stderr, so scripts that only read stderr see it too; the details are above.
                CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                    $"[red]error:[/] {health.Spec}: {health.Problems.Count} problem(s) found; see docs/runbook/backup-and-recovery.md");
            }

            return health.IsHealthy ? ExitCodes.Success : ExitCodes.BadInput;
        });
        return command;
    }
}
