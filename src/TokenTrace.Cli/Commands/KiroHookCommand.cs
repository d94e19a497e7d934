using System.CommandLine;
using System.Globalization;
using TokenTrace.CodingAgents;
using TokenTrace.Hosting;

namespace TokenTrace.Cli;

/// <summary>
/// <c>tokentrace hook kiro</c>: run by a Kiro agent hook (<c>runCommand</c> on <c>promptSubmit</c> and <c>agentStop</c>,
/// integrations/kiro/.kiro/hooks). Records the run through <see cref="KiroHook"/> into the ledger of <c>--ledger</c>, the
/// config's <c>kiro.ledger</c>, or the ledger in effect.
/// </summary>
/// <remarks>
/// Kiro adds a hook command's standard output to the agent's context and reports a non-zero exit to the agent as a hook
/// error, so this command prints nothing on stdout (unless <c>--format json</c> is asked for), always exits 0, and
/// gives up after <see cref="TimeLimit"/>: a problem is one line on stderr, never a failed prompt.
/// </remarks>
internal static class KiroHookCommand
{
    /// <summary>How long a run may take before it gives up: a hook holds up the agent while it runs.</summary>
    internal static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        // Plain text options, checked in the action: a parse error would be exit 2, which Kiro shows the agent as a failure.
        var trigger = new Option<string?>("--event") { Description = "The hook's trigger (when.type): promptSubmit or agentStop (others are recorded as runs without tokens). Default: promptSubmit when USER_PROMPT is set.", HelpName = "TRIGGER" };
        var hookName = new Option<string?>("--hook-name") { Description = "The hook's name, stored in the hook tag.", HelpName = "NAME" };
        var workspace = new Option<string?>("--workspace") { Description = "The workspace folder. Default: the current folder, where Kiro runs hook commands.", HelpName = "DIR" };
        var model = new Option<string?>("--model") { Description = "The model records name. Default: the config's kiro.model, else kiro (unpriced: Kiro bills credits).", HelpName = "M" };
        var command = new Command("kiro", """
            Record a Kiro agent hook run (Kiro shows hooks no token counts). On promptSubmit: the prompt's input tokens
            estimated with the o200k_base tokenizer from USER_PROMPT (tag estimate=o200k_base). On agentStop: the turn's
            elapsed time since its promptSubmit. Tags: trigger, hook, workspace, turn, error. The project is the
            workspace folder's name. Never fails Kiro: problems are one stderr line and exit 0. `kiro: enabled: false`
            in the config turns it off; `kiro: ledger: csv:FILE` writes a spreadsheet.

            Example (the command of integrations/kiro/.kiro/hooks/token-tracking.kiro.hook):
              tokentrace hook kiro --event promptSubmit --hook-name token-tracking
            """)
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var option in new Option[] { trigger, hookName, workspace, model })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                limit.CancelAfter(TimeLimit);
                // On the pool, so that the bound covers the synchronous start (config, tokenizer, turn file) too; WaitAsync
                // bounds a store that ignores cancellation (a lock held by another process) as well.
                var run = Task.Run(() => RunAsync(parse, parse.GetValue(trigger), parse.GetValue(hookName), parse.GetValue(workspace), parse.GetValue(model), limit.Token), limit.Token);
                await run.WaitAsync(TimeLimit, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                var reason = ex is TimeoutException or OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"gave up after {TimeLimit.TotalSeconds:0} s") : ex.Message;
                Report(reason + "; nothing recorded");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Report(string message) => HookCommand.Note("hook kiro", message);

    // Kiro spells triggers in camelCase; a hand-written `--event agentstop` means the same and must pair with its prompt.
    private static string Canonical(string trigger) =>
        trigger.Equals(KiroHook.PromptSubmit, StringComparison.OrdinalIgnoreCase) ? KiroHook.PromptSubmit
        : trigger.Equals(KiroHook.AgentStop, StringComparison.OrdinalIgnoreCase) ? KiroHook.AgentStop
        : trigger;

    private static async Task RunAsync(ParseResult parse, string? trigger, string? hookName, string? workspace, string? model, CancellationToken cancellationToken)
    {
        var context = new CliContext(parse);
        var settings = context.Settings;
        if (!settings.Kiro.Enabled)
        {
            return;
        }

        if (parse.UnmatchedTokens.Count > 0)
        {
            // Recorded all the same: a hook file with a stray argument still tracks, and says what it ignored.
            Report("ignored unknown arguments: " + string.Join(' ', parse.UnmatchedTokens));
        }

        var prompt = Environment.GetEnvironmentVariable("USER_PROMPT");
        trigger = string.IsNullOrWhiteSpace(trigger)
            ? prompt is not null ? KiroHook.PromptSubmit : throw new CliInputException("--event is missing and USER_PROMPT is not set, so the trigger is unknown (give --event promptSubmit or --event agentStop)")
            : Canonical(trigger.Trim());
        var folder = Path.GetFullPath(string.IsNullOrWhiteSpace(workspace) ? Directory.GetCurrentDirectory() : LedgerSpec.ExpandHome(workspace));
        var hook = new KiroHook(new KiroTurnStore(Path.Combine(TokenTraceEnvironment.Home, "kiro")));
        var record = hook.Record(new KiroHookEvent
        {
            Trigger = trigger,
            Workspace = folder,
            HookName = hookName,
            Prompt = trigger == KiroHook.PromptSubmit ? prompt : null,
            Model = string.IsNullOrWhiteSpace(model) ? settings.Kiro.Model : model,
            At = DateTimeOffset.UtcNow,
        });

        var stored = context.Pipeline.Prepare(record);
        var spec = parse.GetValue(GlobalOptions.Ledger) ?? settings.Kiro.Ledger ?? settings.LedgerSpec;
        var ledger = context.OpenLedgerForWriting(spec);
        await using (ledger.ConfigureAwait(false))
        {
            await ledger.AppendAsync([stored], cancellationToken).ConfigureAwait(false);
        }

        if (context.Format == "json")
        {
            JsonOutput.Write(writer => UsageRecordJson.Write(writer, stored));
        }
    }
}
