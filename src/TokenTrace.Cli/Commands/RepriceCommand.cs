using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace reprice</c>: recomputes stored costs after a catalogue change; token counts never change.</summary>
internal static class RepriceCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would change without writing." };
        var filters = new FilterOptions();
        var command = new Command("reprice", """
            Recompute the cost of stored records from the current catalogue (after `prices import` or a
            config override). Token counts are never changed; each new cost records the entry it came from,
            and a record without a provider takes the provider of that entry.

            Example:
              tokentrace reprice --since 2026-11-01 --dry-run
            """);
        command.Options.Add(dryRun);
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var pipeline = context.Pipeline;
            var ledger = context.OpenLedger();
            await using (ledger.ConfigureAwait(false))
            {
                var revisions = new List<CostRevision>();
                long examined = 0, unpriced = 0, providers = 0;
                decimal before = 0, after = 0;
                await foreach (var record in ledger.ReadAsync(context.Query(filters.Read(parse)), cancellationToken).ConfigureAwait(false))
                {
                    examined++;
                    var priced = pipeline.Reprice(record, out _);
                    before += record.CostUsd ?? 0;
                    after += priced.CostUsd ?? 0;
                    unpriced += priced.CostUsd is null ? 1 : 0;
                    var provider = priced.Provider != record.Provider ? priced.Provider : null;
                    providers += provider is null ? 0 : 1;
                    if (priced.CostUsd != record.CostUsd || priced.Price != record.Price || provider is not null)
                    {
                        revisions.Add(new CostRevision(record.Id, priced.CostUsd, priced.Price) { Provider = provider });
                    }
                }

                var dry = parse.GetValue(dryRun);
                var changed = dry ? revisions.Count : await ledger.ReviseCostsAsync(revisions, cancellationToken).ConfigureAwait(false);
                if (context.Format == "json")
                {
                    JsonOutput.Write(writer =>
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("examined", examined);
                        writer.WriteNumber("changed", changed);
                        writer.WriteNumber("unchanged", examined - changed);
                        writer.WriteNumber("providerFilled", providers);
                        writer.WriteNumber("unpricedRecords", unpriced);
                        writer.WriteNumber("costUsdBefore", before);
                        writer.WriteNumber("costUsdAfter", after);
                        writer.WriteBoolean("dryRun", dry);
                        writer.WriteEndObject();
                    });
                }
                else if (!context.Quiet)
                {
                    // "Would re-price 59 of 60" read as 59 changing when one did: say how many change and how many stay.
                    var verb = dry ? "would change" : "changed";
                    var filled = providers == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({providers:N0} given the provider of their price entry)");
                    CliContext.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{examined:N0} records examined: {changed:N0} {verb}{filled}, {examined - changed:N0} unchanged. Cost {Money.Format(before)} → {Money.Format(after)}; {unpriced:N0} without a price.");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
