using System.CommandLine;
using System.Globalization;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace forecast</c>: where each budget (or a period's spend) is heading, with an 80 % interval.</summary>
internal static class ForecastCommand
{
    public static Command Create()
    {
        var budgetName = new Option<string[]>("--budget") { Description = "Forecast only these budgets (repeatable).", HelpName = "NAME" };
        var period = new Option<string?>("--period") { Description = "Forecast spend over this period instead of the budgets: daily, weekly, monthly or Nd.", HelpName = "PERIOD" };
        var filters = new FilterOptions();
        var command = new Command("forecast", """
            Period-end forecasts with an 80 % interval, from the weekday pattern of the last eight weeks.
            Forecasts every budget by default; with --period, the spend of the filtered usage.

            Examples:
              tokentrace forecast
              tokentrace forecast --period monthly --project docs --format json
            """);
        command.Options.Add(budgetName);
        command.Options.Add(period);
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var ledger = context.OpenLedger();
            var forecasts = new List<SpendForecast>();
            await using (ledger.ConfigureAwait(false))
            {
                await FilterValueCheck.ThrowIfUnknownAsync(ledger, filters.Read(parse), null, cancellationToken).ConfigureAwait(false);
                IEnumerable<Budget> budgets;
                if (parse.GetValue(period) is { } periodText)
                {
                    BudgetPeriod parsed;
                    try
                    {
                        parsed = BudgetPeriod.Parse(periodText);
                    }
                    catch (FormatException ex)
                    {
                        throw new CliInputException("--period: " + ex.Message);
                    }

                    budgets = [new Budget { Name = periodText, Limit = decimal.MaxValue, Period = parsed, Scope = filters.Read(parse), TimeZone = TimeZoneId(context) }];
                }
                else
                {
                    budgets = await BudgetSource.AllAsync(context, ledger, cancellationToken).ConfigureAwait(false);
                    var wanted = parse.GetValue(budgetName) ?? [];
                    if (wanted.Length > 0)
                    {
                        var known = budgets.Select(b => b.Name).ToList();
                        if (wanted.FirstOrDefault(w => !known.Contains(w, StringComparer.Ordinal)) is { } missing)
                        {
                            throw new CliInputException($"--budget: no budget named '{missing}' (known: {(known.Count == 0 ? "none; add one with `tokentrace budget set`" : string.Join(", ", known))})");
                        }

                        budgets = budgets.Where(b => wanted.Contains(b.Name, StringComparer.Ordinal)).ToList();
                    }

                    if (!budgets.Any())
                    {
                        budgets = [new Budget { Name = "monthly", Limit = decimal.MaxValue, Period = BudgetPeriod.Parse("monthly"), Scope = filters.Read(parse), TimeZone = TimeZoneId(context) }];
                    }
                }

                var generator = new ReportGenerator(ledger, context.TimeZone);
                foreach (var budget in budgets)
                {
                    if (await generator.ForecastAsync(budget, cancellationToken).ConfigureAwait(false) is { } forecast)
                    {
                        forecasts.Add(forecast);
                    }
                }
            }

            Write(context, forecasts);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static void Write(CliContext context, IReadOnlyList<SpendForecast> forecasts)
    {
        if (context.Format == "json")
        {
            JsonOutput.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("forecasts");
                foreach (var f in forecasts)
                {
                    ReportJson.WriteForecast(writer, f);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return;
        }

        TabularOutput.Write(context.Format, ["Forecast", "Period ends", "Spent", "Expected", "80% interval", "Limit", "Over?"],
            [.. forecasts.Select(f => new string?[]
            {
                f.Name, f.Window.End.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC", BudgetUnits.Format(f.Spent, f.Unit), BudgetUnits.Format(f.Expected, f.Unit),
                $"{BudgetUnits.Format(f.Low, f.Unit)} – {BudgetUnits.Format(f.High, f.Unit)}",
                f.Limit is { } l && l != decimal.MaxValue ? BudgetUnits.Format(l, f.Unit) : "-",
                f.Limit is { } limit && limit != decimal.MaxValue ? (f.Expected > limit ? "likely" : f.High > limit ? "possible" : "no") : "-",
            })]);
    }

    private static string TimeZoneId(CliContext context) => context.TimeZone == TimeZoneInfo.Utc ? "UTC" : context.TimeZone.Id;
}
