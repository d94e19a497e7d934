using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary>
/// <c>tokentrace blocks [--active]</c>: the 5-hour billing windows of the coding agents' usage, as ccusage's
/// <c>blocks</c> shows them, with the idle gaps between; <c>--active</c> shows the open block's pace and projection.
/// </summary>
internal static class BlocksCommand
{
    public static Command Create()
    {
        var active = new Option<bool>("--active") { Description = "Only the block still open now: time elapsed and left, tokens and cost so far, the pace (tokens/min, $/h since its first record) and where it ends at that pace." };
        var view = new AgentViewOptions();
        var command = new Command("blocks", """
            Usage in 5-hour billing blocks, as ccusage shows them: a block starts on the hour of its first
            record and lasts 5 hours; the next record after that starts the next block, and an idle time of
            more than 5 hours shows as a gap row. Covers the coding agents (claude-code, codex, gemini-cli)
            unless --source names another source. Syncs first, as daily does (--no-sync to skip).

            Examples:
              tokentrace blocks --since 2026-11-01
              tokentrace blocks --active --format json
            """);
        command.Options.Add(active);
        view.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var query = await view.PrepareAsync(parse, context, cancellationToken).ConfigureAwait(false);
            var activeOnly = parse.GetValue(active);
            var now = context.Time.GetUtcNow();
            var ledger = context.OpenLedger();
            await using (ledger.ConfigureAwait(false))
            {
                var finder = new BillingBlockFinder(ledger, query, query.Source is null ? AgentViewOptions.AgentSources : null);
                IReadOnlyList<BillingBlock> blocks = activeOnly
                    ? await finder.FindActiveAsync(now, cancellationToken).ConfigureAwait(false) is { } open ? [open] : []
                    : await finder.FindAsync(null, cancellationToken).ConfigureAwait(false);
                if (blocks.Count == 0 && !activeOnly)
                {
                    // As in the other views: an empty answer may come from a typo in a filter (exit 2 with the known values).
                    await FilterValueCheck.ThrowIfUnknownAsync(ledger, query, null, cancellationToken).ConfigureAwait(false);
                }

                BlocksOutput.Write(context, blocks, now, activeOnly);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
