using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary>
/// <c>tokentrace</c> with no command: today's and this month's spend and every budget, the glance ccusage users get from
/// <c>ccusage</c> alone. Two totals from the ledger's summary path (no record is read one by one) and one evaluation per
/// budget, so it stays fast on a large ledger.
/// </summary>
internal static class OverviewCommand
{
    public static void AttachTo(RootCommand root) => root.SetAction(async (parse, cancellationToken) =>
    {
        var context = new CliContext(parse);
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, context.TimeZone).DateTime);
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var ledger = context.OpenLedger(noteWhenUnrecorded: false);
        UsageSummary day, month;
        var budgets = new List<BudgetStatus>();
        await using (ledger.ConfigureAwait(false))
        {
            day = await Totals(ledger, today, today.AddDays(1), context.TimeZone, cancellationToken).ConfigureAwait(false);
            month = await Totals(ledger, monthStart, monthStart.AddMonths(1), context.TimeZone, cancellationToken).ConfigureAwait(false);
            foreach (var budget in await BudgetSource.AllAsync(context, ledger, cancellationToken).ConfigureAwait(false))
            {
                budgets.Add(await BudgetEvaluator.EvaluateAsync(ledger, budget, now, cancellationToken).ConfigureAwait(false));
            }

            if (context.Format != "json" && ledger is UnrecordedLedger && budgets.Count == 0)
            {
                // A fresh install: one friendly line, not an empty table.
                Console.Out.WriteLine("Nothing recorded yet. Record a call with `tokentrace record --model M --input N --output N`, read your coding agents' history with `tokentrace sync`, bring in an export with `tokentrace import FILE`, or run `tokentrace --help`.");
                return ExitCodes.Success;
            }
        }

        if (context.Format == "json")
        {
            JsonOutput.Write(writer =>
            {
                writer.WriteStartObject();
                WritePeriod(writer, "today", today, day);
                WritePeriod(writer, "month", monthStart, month);
                writer.WriteStartArray("budgets");
                foreach (var s in budgets)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", s.Budget.Name);
                    writer.WriteString("period", s.Budget.Period.Name);
                    writer.WriteString("unit", s.Budget.Unit.ToString().ToLowerInvariant());
                    writer.WriteNumber("spend", s.Spend / 1.000000000000000000000000000m);
                    writer.WriteNumber("limit", s.Budget.Limit);
                    writer.WriteNumber("percent", Math.Round(s.Percent, 2));
                    writer.WriteString("status", Status(s));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return ExitCodes.Success;
        }

        TabularOutput.Write(context.Format, ["", "Records", "Tokens", "Cost"],
            [Row("Today " + today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), day.Total), Row("This month " + monthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture), month.Total)]);
        if (budgets.Count > 0)
        {
            TabularOutput.Write(context.Format, ["Budget", "Period", "Spend", "Limit", "Used", "Status"],
                [.. budgets.Select(s => new string?[]
                {
                    s.Budget.Name, s.Budget.Period.Name, BudgetUnits.Format(s.Spend, s.Budget.Unit), BudgetUnits.Format(s.Budget.Limit, s.Budget.Unit),
                    s.Percent.ToString("0.#", CultureInfo.InvariantCulture) + "%", Status(s),
                })]);
        }
        else
        {
            context.Info("No budgets. Add one with `tokentrace budget set NAME --limit N --period daily`.");
        }

        if (ledger is UnrecordedLedger)
        {
            context.Info("Nothing recorded yet; run `tokentrace --help` to start.");
        }

        return ExitCodes.Success;
    });

    private static Task<UsageSummary> Totals(IUsageLedger ledger, DateOnly first, DateOnly end, TimeZoneInfo timeZone, CancellationToken cancellationToken) =>
        ledger.SummarizeAsync(new UsageQuery { Since = DailySeries.LocalMidnight(first, timeZone), Until = DailySeries.LocalMidnight(end, timeZone) }, [], timeZone, cancellationToken);

    private static string?[] Row(string label, UsageTotals t) =>
    [
        label, TabularOutput.Count(t.Records), TabularOutput.Count(t.TotalTokens),
        t.UnpricedRecords == 0 ? Money.Format(t.CostUsd)
            : t.UnpricedRecords == t.Records ? "– (unpriced)"
            : string.Create(CultureInfo.InvariantCulture, $"{Money.Format(t.CostUsd)} + {t.UnpricedRecords} unpriced"),
    ];

    private static string Status(BudgetStatus s) => s.Exhausted ? "exhausted" : s.ForecastExceeds ? "on track to exceed" : "ok";

    private static void WritePeriod(Utf8JsonWriter writer, string name, DateOnly first, UsageSummary summary)
    {
        writer.WriteStartObject(name);
        writer.WriteString("from", first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        SummaryOutput.WriteTotals(writer, summary.Total);
        writer.WriteEndObject();
    }
}
