using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace trend</c>: usage per hour, day, week or month, with bars and a sparkline.</summary>
internal static class TrendCommand
{
    public static Command Create()
    {
        var by = new Option<string>("--by") { Description = "hour, day (default), week or month.", DefaultValueFactory = _ => "day", HelpName = "BUCKET" };
        by.AcceptOnlyFromAmong("hour", "day", "week", "month");
        var filters = new FilterOptions();
        var command = new Command("trend", """
            Usage over time, empty periods included, with a bar per period and a sparkline.

            Examples:
              tokentrace trend --since 2026-11-01
              tokentrace trend --by week --project docs --format json
            """);
        command.Options.Add(by);
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var granularity = SummaryDimension.Parse(parse.GetValue(by)!);
            var query = context.Query(filters.Read(parse));
            if (query.Since is null && granularity.Name is "day" or "hour")
            {
                // An open-ended daily trend shows the last 30 days, an hourly one the last 48 hours.
                query = query with { Since = DateTimeOffset.UtcNow.AddDays(granularity.Name == "day" ? -29 : -2).Date };
            }

            query = query with { Until = query.Until ?? DateTimeOffset.UtcNow };

            var ledger = context.OpenLedger();
            IReadOnlyList<TrendPoint> points;
            await using (ledger.ConfigureAwait(false))
            {
                await FilterValueCheck.ThrowIfUnknownAsync(ledger, query, null, cancellationToken).ConfigureAwait(false);
                points = await new ReportGenerator(ledger, context.TimeZone).TrendAsync(query, granularity, cancellationToken).ConfigureAwait(false);
            }

            if (context.Format == "json")
            {
                JsonOutput.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("granularity", granularity.Name);
                    writer.WriteString("timeZone", context.TimeZone.Id);
                    writer.WriteStartArray("points");
                    foreach (var point in points)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("bucket", point.Bucket);
                        SummaryOutput.WriteTotals(writer, point.Totals);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
                return ExitCodes.Success;
            }

            var total = new UsageTotals();
            foreach (var point in points)
            {
                total.Add(point.Totals);
            }

            var max = points.Count == 0 ? 0 : points.Max(p => p.Totals.CostUsd);
            var barWidth = TabularOutput.IsCompact(context) ? 10 : 20;
            var label = char.ToUpperInvariant(granularity.Name[0]) + granularity.Name[1..];
            var columns = TotalsColumns.Shown(context, [
                OutputColumn<TrendPoint>.Label(label, granularity.Name, p => p.Bucket) with { Wrap = false },
                .. TotalsColumns.For<TrendPoint>(p => p.Totals),
                new("", "", _ => null, p => Sparkline.Bar(p.Totals.CostUsd, max, barWidth)) { InCsv = false, InTable = context.Format == "table" },
            ], total);
            TabularOutput.Write(context, columns, points);
            if (context.Format == "table" && points.Count > 1)
            {
                CliContext.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"cost {Sparkline.Of([.. points.Select(p => p.Totals.CostUsd)])}  total {Money.Format(Money.KnownCost(total))}");
            }

            if (context.Format == "table" && total.UnpricedRecords > 0)
            {
                context.Warn(TotalsColumns.UnpricedNote(total));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
