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

        var compact = TabularOutput.IsCompact(context);
        TabularOutput.Write(context, [
            OutputColumn<SpendForecast>.Label("Forecast", "name", f => f.Name),
            OutputColumn<SpendForecast>.Label("Unit", "unit", f => f.Unit.ToString().ToLowerInvariant()) with { InTable = false },
            new("Period ends", "periodEnd", f => f.Window.End, f => f.Window.End.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC", Compact: false),
            new("Spent", "spent", f => f.Spent, f => BudgetAmount.Format(f.Spent, f.Unit, compact)) { Essential = true },
            new("Expected", "expected", f => f.Expected, f => BudgetAmount.Format(f.Expected, f.Unit, compact)) { Essential = true },
            new("80% interval", "", _ => null, f => $"{BudgetAmount.Format(f.Low, f.Unit)} – {BudgetAmount.Format(f.High, f.Unit)}", Compact: false) { InCsv = false },
            new("Low", "low", f => f.Low) { InTable = false },
            new("High", "high", f => f.High) { InTable = false },
            new("Limit", "limit", f => f.Limit is { } l && l != decimal.MaxValue ? l : null, f => f.Limit is { } l && l != decimal.MaxValue ? BudgetAmount.Format(l, f.Unit, compact) : Money.Unknown) { Essential = true },
            OutputColumn<SpendForecast>.Label("Over?", "overLimit", f => f.Limit is { } limit && limit != decimal.MaxValue ? (f.Expected > limit ? "likely" : f.High > limit ? "possible" : "no") : null) with { Wrap = false },
        ], forecasts);
    }

    private static string TimeZoneId(CliContext context) => context.TimeZone == TimeZoneInfo.Utc ? "UTC" : context.TimeZone.Id;
}
