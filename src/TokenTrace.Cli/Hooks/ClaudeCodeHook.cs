using System.CommandLine;
using System.Globalization;
using TokenTrace.CodingAgents;

namespace TokenTrace.Cli;

/// <summary>
/// What <c>tokentrace hook claude-code</c> does for each event. It never breaks the agent: anything unexpected is one
/// line on standard error and exit 0 (fail open); the one deliberate refusal is a hard budget exhausted on
/// UserPromptSubmit (exit 2, the reason on standard error, which Claude Code shows the user). Nothing is written to
/// standard output on SessionStart and UserPromptSubmit, where Claude Code would add it to the model's context.
/// </summary>
internal sealed class ClaudeCodeHook(ParseResult parse, TimeSpan timeout)
{
    /// <summary>Exit 2 on UserPromptSubmit: Claude Code blocks the prompt and shows standard error to the user.</summary>
    public const int Refuse = 2;

    /// <summary>The share of the time limit the sync may take; the rest is for the budget check or the summary.</summary>
    private const double SyncShare = 0.75;

    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public async Task<int> RunAsync(Stream stdin, CancellationToken cancellationToken)
    {
        ClaudeCodeHookInput input;
        try
        {
            input = ClaudeCodeHookInput.Parse(await ReadAsync(stdin, cancellationToken).ConfigureAwait(false));
        }
        catch (FormatException ex)
        {
            Note($"standard input: {ex.Message}; nothing done");
            return ExitCodes.Success;
        }

        CliContext context;
        try
        {
            context = new CliContext(parse);
            _ = context.Settings; // a broken config file is reported here, once, not halfway through
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Note($"{ex.Message}; nothing done");
            return ExitCodes.Success;
        }

        switch (input.EventName)
        {
            case "SessionStart" or "Stop" or "SubagentStop":
                // Running totals during multi-step work. The last response may still be being written (the transcript
                // can lag the hook), so it is left for a later sync as `tokentrace sync` would.
                await WithLedgerAsync(context, input, settled: false, (_, _) => Task.FromResult(ExitCodes.Success), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            case "UserPromptSubmit":
                // The transcript's last response is not stored yet when it has no stop_reason (a prompt typed while Claude
                // works can come mid-turn): the budget check counts it without storing it.
                return await WithLedgerAsync(context, input, settled: false, (ledger, token) => CheckBudgetsAsync(context, ledger, input, token), cancellationToken).ConfigureAwait(false);
            case "SessionEnd":
                // The session is over: its last response will not grow any more, and belongs in its summary.
                return await WithLedgerAsync(context, input, settled: true, (ledger, token) => SummarizeAsync(ledger, input, token), cancellationToken).ConfigureAwait(false);
            default:
                Note($"event '{input.EventName}' is not one this hook handles (SessionStart, UserPromptSubmit, Stop, SubagentStop, SessionEnd); nothing done");
                return ExitCodes.Success;
        }
    }

    /// <summary>Opens the ledger, syncs the session's history into it within the time allowed, then does <paramref name="then"/>.</summary>
    private async Task<int> WithLedgerAsync(CliContext context, ClaudeCodeHookInput input, bool settled, Func<IUsageLedger, CancellationToken, Task<int>> then, CancellationToken cancellationToken)
    {
        if (input.EventName != "SessionStart" && input.TranscriptPath is { } transcript && !File.Exists(transcript))
        {
            Note($"transcript {transcript} does not exist (yet); going on with what is stored");
        }

        IUsageLedger ledger;
        try
        {
            ledger = context.OpenLedgerForWriting();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Note($"ledger {context.LedgerSpec}: {ex.Message}; nothing done{(input.EventName == "UserPromptSubmit" ? " (budgets not checked: the prompt goes on)" : "")}");
            return ExitCodes.Success;
        }

        await using (ledger.ConfigureAwait(false))
        {
            await SyncAsync(context, ledger, input, settled, cancellationToken).ConfigureAwait(false);
            return await then(ledger, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SyncAsync(CliContext context, IUsageLedger ledger, ClaudeCodeHookInput input, bool settled, CancellationToken cancellationToken)
    {
        var allowed = timeout * SyncShare - (DateTimeOffset.UtcNow - _started);
        if (allowed <= TimeSpan.Zero)
        {
            Note("no time left to sync; going on with what is stored");
            return;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(allowed);
        try
        {
            var sync = new AgentSync(AgentSync.BuiltInReaders, HookEnvironment.For(input), context.Pipeline, SyncCommand.CursorPath(ledger.Spec))
            {
                SettledFiles = settled && input.TranscriptPath is { } transcript ? [transcript] : [],
                LockTimeout = allowed,
            };
            await sync.SyncAsync(ledger, [UsageSources.ClaudeCode], limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // What was read before the limit stays stored: a cut-off sync commits its open transaction, and cursors move
            // only after commits.
            Note(string.Create(CultureInfo.InvariantCulture, $"sync not finished in the time it has (--timeout {timeout.TotalSeconds:0.#} s); going on with what is stored"));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            Note($"sync failed: {ex.Message}; going on with what is stored");
        }
    }

    private static async Task<int> CheckBudgetsAsync(CliContext context, IUsageLedger ledger, ClaudeCodeHookInput input, CancellationToken cancellationToken)
    {
        IReadOnlyList<BudgetStatus> exhausted;
        try
        {
            exhausted = await HookBudgetCheck.ExhaustedAsync(context, ledger, input, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            // Fail open: a hook that cannot read the budgets must not lock the user out of their agent.
            Note($"budgets not checked: {ex.Message}; the prompt goes on");
            return ExitCodes.Success;
        }

        if (exhausted.Count == 0)
        {
            return ExitCodes.Success;
        }

        await Console.Error.WriteAsync(HookBudgetCheck.Reason(exhausted)).ConfigureAwait(false);
        return Refuse;
    }

    private static async Task<int> SummarizeAsync(IUsageLedger ledger, ClaudeCodeHookInput input, CancellationToken cancellationToken)
    {
        try
        {
            var summary = await SessionSummary.BuildAsync(ledger, input.SessionId, input.Cwd, input.Detail, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            var path = summary.Save();
            await Console.Out.WriteAsync(summary.ToText() + "Saved: " + path + Environment.NewLine).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            Note($"session summary not written: {ex.Message}");
        }

        return ExitCodes.Success;
    }

    /// <summary>Reads the hook's input, at most one byte more than <see cref="ClaudeCodeHookInput.MaxBytes"/>.</summary>
    private static async Task<byte[]> ReadAsync(Stream stdin, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (buffer.Length <= ClaudeCodeHookInput.MaxBytes && (read = await stdin.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>One plain line on standard error (Claude Code shows it in its transcript view; no markup, no stack trace).</summary>
    public static void Note(string message) => HookCommand.Note("hook claude-code", message);
}
