using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TokenTrace.Hosting;

namespace TokenTrace.Cli;

/// <summary>The <c>tokentrace</c> entry point: builds the commands and maps failures to the documented exit codes.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = CreateRootCommand();
        var parse = root.Parse(args, ParserConfiguration);
        if (parse.Errors.Count > 0)
        {
            if (HookCommand.ReportParseErrors(parse))
            {
                return ExitCodes.Success;
            }

            foreach (var error in parse.Errors)
            {
                CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {error.Message}");
            }

            CliContext.Error.MarkupLine("Run with [bold]--help[/] for usage.");
            return ExitCodes.BadInput;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CliInputException or ConfigurationException or LedgerFormatException or LedgerNotFoundException or FormatException or ArgumentException
                                       or TokenTrace.Client.RemoteLedgerException)
        {
            CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]unexpected error:[/] {ex.Message}");
            if (Environment.GetEnvironmentVariable("TOKENTRACE_DEBUG") is not null)
            {
                Console.Error.WriteLine(ex.ToString());
            }

            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// How arguments are read. Response files are off: with them, any value starting with <c>@</c> (<c>--user @/etc/hostname</c>,
    /// <c>--project @args.txt</c>) was replaced by the named file's contents, which could read a file into the ledger or inject
    /// further options. Every argument is now taken as the literal text it is.
    /// </summary>
    internal static ParserConfiguration ParserConfiguration { get; } = new() { ResponseFileTokenReplacer = null };

    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("""
            TokenTrace: what your AI usage costs, in tokens, dollars, watt-hours and grams of CO2e,
            attributed to projects, jobs, agents, sessions and users; budgets that warn and stop; reports
            that show the trend. Records go to a ledger (SQLite at ~/.tokentrace/usage.db by default).

            Examples:
              tokentrace record --model claude-sonnet-4-5 --input 1200 --output 350 --project docs
              tokentrace summary --by model --format json
              tokentrace report --format html -o report.html
              tokentrace                (today's and this month's spend, and the budgets)
              tokentrace daily --breakdown   (the coding agents' history by day and model)
            """);
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(RecordCommand.Create());
        root.Subcommands.Add(SummaryCommand.Create());
        root.Subcommands.Add(SummaryCommand.CreateByJob());
        root.Subcommands.Add(PricesCommand.Create());
        root.Subcommands.Add(RepriceCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(StatuslineCommand.Create());
        foreach (var view in AgentViewCommand.CreateAll())
        {
            root.Subcommands.Add(view);
        }

        root.Subcommands.Add(HookCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(BudgetCommand.Create());
        root.Subcommands.Add(TrendCommand.Create());
        root.Subcommands.Add(ForecastCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(CarbonCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(RotateCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(PushCommand.Create());
        OverviewCommand.AttachTo(root);
        return root;
    }
}
