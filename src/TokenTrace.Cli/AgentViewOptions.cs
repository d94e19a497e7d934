using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary>
/// What every coding-agent view (<c>daily</c>, <c>weekly</c>, <c>monthly</c>, <c>session</c>, <c>blocks</c>) has and
/// does before it answers: the filters, <c>--prices FILE</c> for the records it syncs, and a sync of the agents' new
/// history unless <c>--no-sync</c>.
/// </summary>
internal sealed class AgentViewOptions
{
    private readonly Option<bool> _noSync = new("--no-sync") { Description = "Answer from what is already stored, without reading the agents' new history first." };
    private readonly Option<string?> _prices = new("--prices")
    {
        Description = "A LiteLLM-format price file (model_prices_and_context_window.json) laid over the built-in prices for the records this run syncs; records already stored keep their cost (`tokentrace reprice` re-costs them).",
        HelpName = "FILE",
    };

    private readonly FilterOptions _filters = new();

    public void AddTo(Command command)
    {
        command.Options.Add(_noSync);
        command.Options.Add(_prices);
        _filters.AddTo(command);
    }

    /// <summary>Lays --prices, syncs what is new (the agent named by --source, else all), and returns the query the filters make.</summary>
    public async Task<UsageQuery> PrepareAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        if (parse.GetValue(_prices) is { } prices)
        {
            context.LayPrices(prices);
        }

        var query = context.Query(_filters.Read(parse));
        // A team server's ledger is read, not synced into: this machine's history reaches it through `push`.
        if (!parse.GetValue(_noSync) && !context.IsRemoteLedger)
        {
            var results = await SyncCommand.RunAsync(context, AgentSyncSources(query.Source), cancellationToken).ConfigureAwait(false);
            SyncCommand.WarnSkipped(context, results);
        }

        return query;
    }

    /// <summary>The sources of the built-in agent readers (what the blocks view covers by default).</summary>
    public static IReadOnlySet<string> AgentSources { get; } = CodingAgents.AgentSync.BuiltInReaders.Select(r => r.Source).ToHashSet(StringComparer.Ordinal);

    /// <summary>Which agents to sync for a view: the one named by --source when it is an agent, else all of them.</summary>
    private static HashSet<string>? AgentSyncSources(string? source) =>
        source is not null && AgentSources.Contains(source) ? [source] : null;
}
