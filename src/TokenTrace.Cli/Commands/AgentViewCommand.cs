using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary>
/// <c>tokentrace daily|weekly|monthly|session</c> (and <c>blocks</c>, <see cref="BlocksCommand"/>): the views ccusage users know, over the whole ledger (coding agents and
/// the user's own apps alike) after syncing the coding agents' new history into it.
/// </summary>
internal static class AgentViewCommand
{
    public static IEnumerable<Command> CreateAll() =>
    [
        Create("daily", SummaryDimension.Day, "Usage by day", "tokentrace daily --since 2026-11-01 --breakdown"),
        Create("weekly", SummaryDimension.Parse("week"), "Usage by week (weeks start on Monday)", "tokentrace weekly --source claude-code"),
        Create("monthly", SummaryDimension.Parse("month"), "Usage by month", "tokentrace monthly --format json"),
        Create("session", SummaryDimension.Parse("session"), "Usage by session", "tokentrace session --project /home/dev/app"),
        BlocksCommand.Create(),
    ];

    private static Command Create(string name, SummaryDimension dimension, string what, string example)
    {
        var breakdown = new Option<bool>("--breakdown") { Description = "One row per model within each " + (name == "session" ? "session" : "period") + "." };
        var instances = new Option<bool>("--instances") { Description = "One row per project within each " + (name == "session" ? "session" : "period") + "." };
        var view = new AgentViewOptions();
        var current = new Option<bool>("--current") { Description = "Only the current Claude Code session: $CLAUDE_CODE_SESSION_ID, else the latest session of this folder's project." };
        var command = new Command(name, $"""
            {what}: tokens, cost, energy and CO2e. Reads what is new in the coding agents' histories
            first (as `tokentrace sync`; --no-sync to skip), then answers from the whole ledger — your
            coding agents and your own apps; --source claude-code|codex|gemini-cli|opencode|amp|
            qwen-code for one of them.
            --since/--until/--tz as everywhere; --prices FILE prices what this run syncs with LiteLLM's file.

            Example:
              {example}
            """);
        command.Options.Add(breakdown);
        command.Options.Add(instances);
        if (name == "session")
        {
            command.Options.Add(current);
        }

        view.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var query = await view.PrepareAsync(parse, context, cancellationToken).ConfigureAwait(false);

            if (name == "session" && parse.GetValue(current))
            {
                var ledger = context.OpenLedger();
                await using (ledger.ConfigureAwait(false))
                {
                    query = query with { Session = await CurrentSession.ResolveAsync(ledger, cancellationToken).ConfigureAwait(false) };
                }
            }

            List<SummaryDimension> dimensions = [dimension];
            if (name == "session")
            {
                // A session lives in one project: show it, so that sessions of two projects can be told apart.
                dimensions.Add(SummaryDimension.Parse("project"));
            }
            else if (parse.GetValue(instances))
            {
                dimensions.Add(SummaryDimension.Parse("project"));
            }

            if (parse.GetValue(breakdown))
            {
                dimensions.Add(SummaryDimension.Model);
            }

            await SummaryCommand.RunAsync(context, query, dimensions, null, null, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
