using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace summary</c> and <c>tokentrace by-job</c>: totals grouped by any dimensions.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var by = new Option<string[]>("--by")
        {
            Description = "Group by (repeatable or comma-separated): " + string.Join(", ", SummaryDimension.Names) + ", tag:KEY.",
            HelpName = "DIM",
        };
        var filters = new FilterOptions();
        var command = new Command("summary", """
            Totals of tokens and cost, grouped by any dimensions. Costs add priced records only;
            unpricedRecords says how many were left out.

            A SQLite ledger of 250,000 records or more answers from its DuckDB copy (usage.duckdb beside
            it, kept up to date automatically); TOKENTRACE_ANALYTICS=off|always|auto changes that.
            See docs/end_user/analytics.md.

            Examples:
              tokentrace summary --by model
              tokentrace summary --by day --by project --since 2026-11-01 --format json
              TOKENTRACE_ANALYTICS=off tokentrace summary --by job    (the ledger's own SQL, to compare)
              TOKENTRACE_TOKEN=tt_… tokentrace summary --ledger https://usage.example.com --by device
                                                          (a team server's ledger, read through its API)
            """);
        command.Options.Add(by);
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var dimensions = ParseDimensions(parse.GetValue(by));
            await RunAsync(context, context.Query(filters.Read(parse)), dimensions, null, null, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateByJob()
    {
        var job = new Argument<string>("JOB") { Description = "The job's name." };
        var command = new Command("by-job", """
            The cost of one job, by model.

            Example:
              tokentrace by-job nightly-eval --format json
            """);
        command.Arguments.Add(job);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var name = parse.GetValue(job)!;
            await RunAsync(context, context.Query(new UsageQuery { Job = name }), [SummaryDimension.Model], $"Job {name}", "by-job", cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static async Task RunAsync(CliContext context, UsageQuery query, IReadOnlyList<SummaryDimension> dimensions, string? title, string? filterLabel, CancellationToken cancellationToken)
    {
        var ledger = context.OpenLedger();
        await using (ledger.ConfigureAwait(false))
        {
            var summary = await ledger.SummarizeAsync(query, dimensions, context.TimeZone, cancellationToken).ConfigureAwait(false);
            if (summary.Total.Records == 0)
            {
                // Only an empty answer can come from a typo: the check costs a query per filter, so it is not paid otherwise.
                await FilterValueCheck.ThrowIfUnknownAsync(ledger, query, filterLabel, cancellationToken).ConfigureAwait(false);
            }

            SummaryOutput.Write(context, summary, title);
        }
    }

    internal static IReadOnlyList<SummaryDimension> ParseDimensions(string[]? values)
    {
        var dimensions = new List<SummaryDimension>();
        foreach (var name in (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            try
            {
                var dimension = SummaryDimension.Parse(name);
                if (!dimensions.Contains(dimension))
                {
                    dimensions.Add(dimension);
                }
            }
            catch (FormatException ex)
            {
                throw new CliInputException("--by: " + ex.Message);
            }
        }

        return dimensions;
    }
}
