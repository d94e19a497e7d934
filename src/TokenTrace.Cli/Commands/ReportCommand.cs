using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace report</c>: where the money went, where it is heading, what stood out — as tables, JSON, Markdown or one HTML file.</summary>
internal static class ReportCommand
{
    private const int MaxDays = 3660;

    public static Command Create()
    {
        var days = new Option<int>("--days") { Description = "Days covered when --since is not given.", DefaultValueFactory = _ => 30, HelpName = "N", CustomParser = InvariantNumberParser.Int32 };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (the HTML report's usual target).", HelpName = "FILE" };
        var at = new Option<string?>("--at") { Description = "Report as of this instant (ISO 8601), for reproducible reports. Default: now.", HelpName = "TIME" };
        var filters = new FilterOptions();
        var command = new Command("report", """
            A full report: totals by model, project and agent; daily trend; every budget with its forecast;
            unusual days; top jobs, sessions and agents. --format html writes one self-contained file with
            charts (no network needed to view it).

            Examples:
              tokentrace report
              tokentrace report --format html -o report.html --days 60
              tokentrace report --project docs --format json
            """);
        command.Options.Add(days);
        command.Options.Add(output);
        command.Options.Add(at);
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var now = DateTimeOffset.UtcNow;
            if (parse.GetValue(at) is { } atText && !DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out now))
            {
                throw new CliInputException($"--at: '{atText}' is not an ISO 8601 instant");
            }

            var dayCount = parse.GetValue(days);
            if (dayCount is < 1 or > MaxDays)
            {
                throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"--days: {dayCount} is not a number of days from 1 to {MaxDays}"));
            }

            var query = context.Query(filters.Read(parse));
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, context.TimeZone).DateTime);
            if (query.Since is null)
            {
                query = query with { Since = DailySeries.LocalMidnight(today.AddDays(1 - dayCount), context.TimeZone) };
            }

            query = query with { Until = query.Until ?? DailySeries.LocalMidnight(today.AddDays(1), context.TimeZone) };
            var ledger = context.OpenLedger();
            UsageReport report;
            await using (ledger.ConfigureAwait(false))
            {
                await FilterValueCheck.ThrowIfUnknownAsync(ledger, query, null, cancellationToken).ConfigureAwait(false);
                var budgets = await BudgetSource.AllAsync(context, ledger, cancellationToken).ConfigureAwait(false);
                report = await new ReportGenerator(ledger, context.TimeZone, new FixedTimeProvider(now.ToUniversalTime())).GenerateAsync(query, budgets, cancellationToken).ConfigureAwait(false);
            }

            var path = parse.GetValue(output);
            if (context.Format is "html" or "json" || path is not null)
            {
                var text = context.Format switch
                {
                    "html" => HtmlReportWriter.Write(report),
                    "json" => Json(report),
                    _ => throw new CliInputException("-o writes --format html or json; other formats print to the terminal"),
                };
                if (path is null)
                {
                    Console.Out.Write(text);
                }
                else
                {
                    await CliFiles.WriteAllBytesAsync(path, context.LedgerSpec, System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
                    context.Info($"Report written to {path}.");
                }

                return ExitCodes.Success;
            }

            if (context.Format == "csv")
            {
                WriteCsv(context, report);
                return ExitCodes.Success;
            }

            WriteText(context, report);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Json(UsageReport report)
    {
        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            ReportJson.WriteReport(writer, report);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteText(CliContext context, UsageReport report)
    {
        void Heading(string text)
        {
            if (context.Format == "markdown")
            {
                Console.Out.Write($"\n## {text}\n\n");
            }
            else
            {
                CliContext.Out.Write(new Rule($"[bold]{Markup.Escape(text)}[/]").LeftJustified());
            }
        }

        Heading("By model");
        SummaryOutput.Write(context, report.ByModel);
        Heading("Daily");
        var max = report.Daily.Count == 0 ? 0 : report.Daily.Max(p => p.Totals.CostUsd);
        var dailyTotal = new UsageTotals();
        foreach (var point in report.Daily)
        {
            dailyTotal.Add(point.Totals);
        }

        TabularOutput.Write(context, TotalsColumns.Shown(context, [
            OutputColumn<TrendPoint>.Label("Day", "day", p => p.Bucket) with { Wrap = false },
            .. TotalsColumns.For<TrendPoint>(p => p.Totals).Where(c => c.Name is "records" or "totalTokens" or "costUsd" or "unpricedRecords"),
            new("", "", _ => null, p => Sparkline.Bar(p.Totals.CostUsd, max, TabularOutput.IsCompact(context) ? 10 : 20)) { InCsv = false, InTable = context.Format == "table" },
        ], dailyTotal), report.Daily);
        if (report.Budgets.Count > 0)
        {
            Heading("Budgets and forecasts");
            ForecastCommand.Write(context, [.. report.Budgets.Select(b => b.Forecast).OfType<SpendForecast>()]);
        }

        Heading("By project");
        SummaryOutput.Write(context, report.ByProject);
        Heading("By agent");
        SummaryOutput.Write(context, report.ByAgent);
        if (report.Anomalies.Count > 0)
        {
            Heading("Unusual days");
            TabularOutput.Write(context.Format, ["Day", "Cost", "Usual", "Score"],
                [.. report.Anomalies.Select(a => new string?[] { a.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Money.Format(a.Spend), Money.Format(a.Baseline), a.Score.ToString("0.0", CultureInfo.InvariantCulture) })]);
        }

        // No "Top agents": "By agent" above already lists every agent by cost (the machine formats keep topAgents).
        foreach (var (title, dimension, rows) in new[] { ("Top jobs", "job", report.TopJobs), ("Top sessions", "session", report.TopSessions) })
        {
            if (rows.Count > 0)
            {
                Heading(title);
                TabularOutput.Write(context, TotalsColumns.Shown(context, [
                    OutputColumn<SummaryRow>.Label(char.ToUpperInvariant(dimension[0]) + dimension[1..], dimension, r => r.Key.GetValueOrDefault(dimension)),
                    .. TotalsColumns.For<SummaryRow>(r => r.Totals).Where(c => c.Name is "records" or "totalTokens" or "costUsd" or "unpricedRecords"),
                ], report.ByModel.Total), rows);
            }
        }
    }

    /// <summary>
    /// The report as one CSV table (docs/end_user/cli.md): a <c>section</c> column (byModel, byProject, byAgent, daily,
    /// topJobs, topSessions, topAgents), the row's <c>key</c>, then the totals columns summary's CSV has. Budgets,
    /// forecasts and unusual days are in --format json.
    /// </summary>
    private static void WriteCsv(CliContext context, UsageReport report)
    {
        static IEnumerable<ReportCsvRow> Rows(string section, string dimension, IEnumerable<SummaryRow> rows) =>
            rows.Select(r => new ReportCsvRow(section, r.Key.GetValueOrDefault(dimension), r.Totals));

        var rows = Rows("byModel", "model", report.ByModel.Rows)
            .Concat(Rows("byProject", "project", report.ByProject.Rows))
            .Concat(Rows("byAgent", "agent", report.ByAgent.Rows))
            .Concat(report.Daily.Select(p => new ReportCsvRow("daily", p.Bucket, p.Totals)))
            .Concat(Rows("topJobs", "job", report.TopJobs))
            .Concat(Rows("topSessions", "session", report.TopSessions))
            .Concat(Rows("topAgents", "agent", report.TopAgents));
        TabularOutput.Write(context, [
            OutputColumn<ReportCsvRow>.Label("Section", "section", r => r.Section),
            OutputColumn<ReportCsvRow>.Label("Key", "key", r => r.Key),
            .. TotalsColumns.For<ReportCsvRow>(r => r.Totals),
        ], rows);
    }

    private sealed record ReportCsvRow(string Section, string? Key, UsageTotals Totals);
}
