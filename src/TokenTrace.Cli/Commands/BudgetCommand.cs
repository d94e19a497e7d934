using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TokenTrace.Hosting;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace budget set|status|check|remove</c>: limits kept in the ledger (and the config file), spend derived from the ledger.</summary>
internal static class BudgetCommand
{
    public static Command Create()
    {
        var command = new Command("budget", """
            Budgets: a limit in USD, tokens or gCO2e on a scope of usage over a period. Spend is always
            derived from the ledger. Alerts fire once per period at each threshold; `check` exits 3 when a
            hard budget is exhausted.

            Examples:
              tokentrace budget set daily-cap --limit 1 --period daily --hard
              tokentrace budget set docs-month --limit 50 --period monthly --scope project=docs --alert-at 50,80,100
              tokentrace budget check || echo "stop: budget exhausted"
            """);
        command.Subcommands.Add(Set());
        command.Subcommands.Add(Status("status", "Show every budget: spend, limit, projection, when it resets, and the room held by calls in flight (Reserved: reservations\ntaken by BudgetEnforcer in this ledger by any process and not yet settled or expired).\n\nExamples:\n  tokentrace budget status\n  tokentrace budget status --format json   # \"reserved\": 0.15 while three $0.05 calls are in flight", check: false));
        command.Subcommands.Add(Status("check", "Evaluate every budget, send alerts newly due (once per period), and exit 3 if a hard budget is exhausted.\n\nExample:\n  tokentrace budget check --quiet", check: true));
        command.Subcommands.Add(Remove());
        return command;
    }

    private static Command Set()
    {
        var name = new Argument<string>("NAME") { Description = "The budget's name (replaces a budget of the same name)." };
        var limit = new Option<decimal>("--limit") { Description = "The limit, in --unit.", Required = true, HelpName = "N", CustomParser = InvariantNumberParser.Decimal };
        var period = new Option<string>("--period") { Description = "daily, weekly, monthly, total, or rolling Nd (such as 7d).", Required = true, HelpName = "PERIOD" };
        var unit = new Option<string>("--unit") { Description = "usd (default), tokens or gco2e.", DefaultValueFactory = _ => "usd", HelpName = "UNIT" };
        var scope = new Option<string[]>("--scope") { Description = "Count only matching usage (repeatable): project, job, task, agent, session, user, model, provider, source or tag:KEY.", HelpName = "K=V" };
        var alertAt = new Option<string>("--alert-at") { Description = "Alert thresholds, percent of the limit.", DefaultValueFactory = _ => "50,80,100", HelpName = "P,P" };
        var hard = new Option<bool>("--hard") { Description = "Refuse new calls in-process once exhausted (and make `check` exit 3); default soft." };
        var command = new Command("set", """
            Add or replace a budget, kept in the ledger. Its period follows --tz (default: the system's time zone).

            Example:
              tokentrace budget set daily-cap --limit 1 --period daily --hard --tz Europe/Paris
            """);
        command.Arguments.Add(name);
        foreach (var option in new Option[] { limit, period, unit, scope, alertAt, hard })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            Budget budget;
            try
            {
                budget = new Budget
                {
                    Name = parse.GetValue(name)!,
                    Limit = parse.GetValue(limit),
                    Period = BudgetPeriod.Parse(parse.GetValue(period)!),
                    Unit = BudgetUnits.Parse(parse.GetValue(unit)!),
                    Scope = BudgetScope.Parse(parse.GetValue(scope) ?? []),
                    AlertAt = [.. parse.GetValue(alertAt)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))],
                    Mode = parse.GetValue(hard) ? BudgetMode.Hard : BudgetMode.Soft,
                    TimeZone = context.TimeZone == TimeZoneInfo.Utc ? "UTC" : context.TimeZone.Id,
                };
                budget.Validate();
            }
            catch (FormatException ex)
            {
                throw new CliInputException(ex.Message);
            }

            var ledger = context.OpenLedgerForWriting();
            await using (ledger.ConfigureAwait(false))
            {
                await Store(ledger).SaveBudgetAsync(budget, cancellationToken).ConfigureAwait(false);
                var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
                context.Info($"Budget '{budget.Name}' saved in {ledger.Spec}: {BudgetAmount.Format(status.Spend, budget.Unit)} of {BudgetAmount.Format(budget.Limit, budget.Unit)} spent this period.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("NAME") { Description = "The budget to remove from the ledger." };
        var command = new Command("remove", "Remove a budget kept in the ledger (budgets in the config file stay until removed there).\n\nExample:\n  tokentrace budget remove daily-cap");
        command.Arguments.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var ledger = context.OpenLedger();
            await using (ledger.ConfigureAwait(false))
            {
                if (!await Store(ledger).RemoveBudgetAsync(parse.GetValue(name)!, cancellationToken).ConfigureAwait(false))
                {
                    throw new CliInputException($"no budget named '{parse.GetValue(name)}' in {ledger.Spec}");
                }
            }

            context.Info($"Budget '{parse.GetValue(name)}' removed.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Status(string verb, string description, bool check)
    {
        var names = new Argument<string[]>("NAME") { Description = "Only these budgets (default: every budget).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(verb, description);
        command.Arguments.Add(names);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var ledger = context.OpenLedger();
            var statuses = new List<BudgetStatus>();
            var deliveries = new List<BudgetAlertDelivery>();
            await using (ledger.ConfigureAwait(false))
            {
                var store = Store(ledger);
                var now = DateTimeOffset.UtcNow;
                var budgets = await BudgetSource.AllAsync(context, ledger, cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(names) is { Length: > 0 } wanted)
                {
                    if (wanted.FirstOrDefault(w => budgets.All(b => b.Name != w)) is { } missing)
                    {
                        throw new CliInputException($"no budget named '{missing}' (known: {(budgets.Count == 0 ? "none; add one with `tokentrace budget set`" : string.Join(", ", budgets.Select(b => b.Name)))})");
                    }

                    budgets = [.. budgets.Where(b => wanted.Contains(b.Name, StringComparer.Ordinal))];
                }

                using var http = TokenTraceWebhooks.CreateHttpClient();
                var alerter = new BudgetAlerter(store, TokenTraceWebhooks.CreateSinks(context.Settings.Alerts, http));
                foreach (var budget in budgets)
                {
                    var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, now, cancellationToken).ConfigureAwait(false);
                    statuses.Add(status);
                    if (check)
                    {
                        deliveries.AddRange(await alerter.DeliverAsync(status, cancellationToken).ConfigureAwait(false));
                    }
                }
            }

            // `check --quiet` is for scripts and hooks: the exit code is the answer. Only an alert that could not be delivered
            // is still reported, as a warning is: it would otherwise be lost without a trace.
            var silent = check && context.Quiet;
            if (!silent)
            {
                Write(context, statuses, [.. deliveries.Select(d => d.Alert)]);
            }

            foreach (var delivery in deliveries)
            {
                if (!silent)
                {
                    CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]alert:[/] {delivery.Alert.Describe()}");
                }

                foreach (var failure in delivery.Failures)
                {
                    // Not marked sent: the next `budget check` sends it again (see docs/runbook/failed-alert.md).
                    CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]alert not delivered:[/] {failure.Sink}: {failure.Message}{(failure.Permanent ? " (refused; fix the receiver or the config)" : "")}; it will be sent again by the next `budget check`");
                }
            }

            var exhausted = statuses.Where(s => s.Budget.Mode == BudgetMode.Hard && s.Exhausted).ToList();
            if (check && exhausted.Count > 0)
            {
                foreach (var s in silent ? [] : exhausted)
                {
                    var resets = BudgetResetText.Describe(s) is { } when ? "; " + when : "";
                    CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]exhausted:[/] hard budget '{s.Budget.Name}' has spent {BudgetAmount.Format(s.Spend, s.Budget.Unit)} of {BudgetAmount.Format(s.Budget.Limit, s.Budget.Unit)}{resets}");
                }

                return ExitCodes.BudgetExhausted;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(CliContext context, List<BudgetStatus> statuses, List<BudgetAlert> alerts)
    {
        if (context.Format == "json")
        {
            JsonOutput.Write(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("budgets");
                foreach (var s in statuses)
                {
                    BudgetStatusJson.Write(writer, s);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("alerts");
                foreach (var alert in alerts)
                {
                    using var payload = JsonDocument.Parse(WebhookAlertSink.Payload(alert));
                    payload.RootElement.WriteTo(writer);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return;
        }

        if (statuses.Count == 0)
        {
            context.Info("No budgets. Add one with `tokentrace budget set NAME --limit N --period daily`.");
            return;
        }

        var compact = TabularOutput.IsCompact(context);
        TabularOutput.Write(context, [
            OutputColumn<BudgetStatus>.Label("Budget", "name", s => s.Budget.Name),
            OutputColumn<BudgetStatus>.Label("Scope", "scope", s => BudgetScope.ToText(s.Budget.Scope), compact: false),
            OutputColumn<BudgetStatus>.Label("Period", "period", s => s.Budget.Period.Name) with { Essential = false },
            OutputColumn<BudgetStatus>.Label("Time zone", "timeZone", s => s.Budget.TimeZone) with { InTable = false },
            OutputColumn<BudgetStatus>.Label("Unit", "unit", s => s.Budget.Unit.ToString().ToLowerInvariant()) with { InTable = false },
            new("Spend", "spend", s => s.Spend, s => BudgetAmount.Format(s.Spend, s.Budget.Unit, compact)) { Essential = true },
            new("Reserved", "reserved", s => s.Reserved, s => s.Reserved == 0 ? "" : BudgetAmount.Format(s.Reserved, s.Budget.Unit, compact), Compact: false),
            new("Limit", "limit", s => s.Budget.Limit, s => BudgetAmount.Format(s.Budget.Limit, s.Budget.Unit, compact)) { Essential = true },
            new("Used", "percent", s => Math.Round(s.Percent, 2), s => s.Percent.ToString("0.#", CultureInfo.InvariantCulture) + "%") { Essential = true },
            new("", "", _ => null, s => Bar(s.Percent), Compact: false) { InCsv = false, InTable = context.Format == "table" },
            new("Remaining", "remaining", s => s.Remaining) { InTable = false },
            new("Projected", "projectedSpend", s => Math.Round(s.ProjectedSpend, 6), s => BudgetAmount.Format(s.ProjectedSpend, s.Budget.Unit, compact), Compact: false),
            new("Resets", "periodEnd", s => s.ResetsAt, ResetsColumn),
            new("Rolling", "rolling", s => s.Budget.Period.RollingDays > 0) { InTable = false },
            new("Rolls off", "rollsOffAt", s => s.RollsOffAt) { InTable = false },
            OutputColumn<BudgetStatus>.Label("Mode", "mode", s => s.Budget.Mode.ToString().ToLowerInvariant()) with { Essential = false },
            new("Exhausted", "exhausted", s => s.Exhausted) { InTable = false },
            new("Forecast exceeds", "forecastExceeds", s => s.ForecastExceeds) { InTable = false },
            new("Period start", "periodStart", s => s.Window.Start == DateTimeOffset.MinValue ? null : s.Window.Start) { InTable = false },
        ], statuses);
    }

    /// <summary>
    /// What the Resets column says: a calendar period's end; "never" for a total budget; "rolling" for a rolling one, with
    /// when its oldest counted spend leaves the window (the first instant its spend can go down).
    /// </summary>
    private static string ResetsColumn(BudgetStatus s) =>
        s.ResetsAt is { } end ? Utc(end)
        : s.Budget.Period.RollingDays == 0 ? "never"
        : s.RollsOffAt is { } off ? $"rolling, oldest leaves {Utc(off)}" : "rolling";

    private static string Utc(DateTimeOffset instant) => BudgetResetText.Utc(instant);

    private static string Bar(decimal percent)
    {
        var filled = (int)Math.Clamp(Math.Round(percent / 10), 0, 10);
        return new string('█', filled) + new string('░', 10 - filled);
    }

    private static IBudgetStore Store(IUsageLedger ledger) =>
        ledger.GetService<IBudgetStore>() ?? throw new CliInputException($"{ledger.Spec} cannot keep budgets");
}
