using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TokenTrace.CodingAgents;

namespace TokenTrace.Cli;

/// <summary>
/// <c>tokentrace statusline</c>: Claude Code's <c>statusLine</c> command. Reads Claude Code's JSON on standard input,
/// syncs that session's transcript (and its subagents') only, and prints one line: the session's cost, tokens, energy and CO2e, today's cost,
/// the active block's pace and time left, and the tightest budget. It never breaks the prompt line: any failure is a
/// one-line <c>tokentrace: reason</c> and exit code 0.
/// </summary>
internal static class StatuslineCommand
{
    /// <summary>
    /// How long the status line's own sync may take before it answers from what is stored (and leaves the rest to a
    /// background sync): 700 ms, so that with start-up and the answer it stays under a second;
    /// <c>TOKENTRACE_STATUSLINE_SYNC_MS</c> changes it (a slow disk, or a test that must not depend on the machine's load).
    /// </summary>
    private static TimeSpan SyncDeadline() =>
        Environment.GetEnvironmentVariable("TOKENTRACE_STATUSLINE_SYNC_MS") is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                ? TimeSpan.FromMilliseconds(ms)
                : throw new FormatException($"TOKENTRACE_STATUSLINE_SYNC_MS: '{text}' is not a number of milliseconds")
            : TimeSpan.FromMilliseconds(700);

    /// <summary>How long a cut-off sync is given to commit what it has read before the status line answers.</summary>
    private static readonly TimeSpan CommitGrace = TimeSpan.FromMilliseconds(150);

    /// <summary>How long to wait for standard input to be closed.</summary>
    private static readonly TimeSpan InputDeadline = TimeSpan.FromMilliseconds(300);

    public static Command Create()
    {
        var command = new Command("statusline", """
            One status line for Claude Code (settings.json: "statusLine": {"type": "command",
            "command": "tokentrace statusline"}): this session's cost, tokens, energy and CO2e, today's
            cost, the active 5-hour block's cost, $/h and time left, and the budget closest to its limit.
            Reads Claude Code's JSON on stdin and syncs that session's transcript (with its subagents')
            only; if that takes more than 0.7 s it answers from what is stored and a background
            `tokentrace sync` catches up (also started once a minute for the other sessions;
            TOKENTRACE_STATUSLINE_CATCH_UP=off to never).
            Never fails: a problem prints `tokentrace: reason` and exits 0. NO_COLOR turns colour off.

            Example:
              echo '{"session_id":"…","transcript_path":"…/s.jsonl"}' | tokentrace statusline
            """);
        // A typo in the settings' command line must not turn the status line into an error: unknown words are ignored.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            string line;
            try
            {
                line = await AnswerAsync(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                line = StatuslineText.Fallback(ex.Message);
            }

            Console.Out.WriteLine(line);
            Console.Out.Flush();
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string> AnswerAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var input = StatuslineInput.Parse(await ReadInputAsync(cancellationToken).ConfigureAwait(false));
        var context = new CliContext(parse);
        var now = context.Time.GetUtcNow();
        var ledger = context.OpenLedgerForWriting();
        var behind = false;
        if (input.TranscriptPath is { } transcript && File.Exists(transcript))
        {
            behind = !await SyncTranscriptAsync(context, ledger, Path.GetFullPath(transcript), SyncDeadline() - clock.Elapsed, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            StatuslineCatchUp.StartIfDue(context, behind);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // The catch-up is a convenience: the line is still right for what is stored.
        }

        // A sync still running (cut off at the deadline) keeps its ledger; the answer reads through another.
        var reading = behind ? context.OpenLedgerForWriting() : ledger;
        await using (reading.ConfigureAwait(false))
        {
            var figures = await StatuslineFigures.ReadAsync(context, reading, input.SessionId, now, cancellationToken).ConfigureAwait(false);
            return StatuslineText.Format(input, figures, behind, Environment.GetEnvironmentVariable("NO_COLOR") is not { Length: > 0 });
        }
    }

    /// <summary>Syncs one session's transcript (and its subagents') into the ledger; false when it did not finish within <paramref name="deadline"/> (it is then cut off, safely).</summary>
    private static async Task<bool> SyncTranscriptAsync(CliContext context, IUsageLedger ledger, string transcript, TimeSpan deadline, CancellationToken cancellationToken)
    {
        deadline = deadline > TimeSpan.Zero ? deadline : TimeSpan.Zero;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sync = new AgentSync(AgentSync.BuiltInReaders, AgentEnvironment.Current, context.Pipeline, SyncCommand.CursorPath(ledger.Spec)) { LockTimeout = deadline };
        var running = sync.SyncFilesAsync(ledger, UsageSources.ClaudeCode, ClaudeCodeReader.SessionFiles(transcript), stop.Token);
        if (await Task.WhenAny(running, Task.Delay(deadline, cancellationToken)).ConfigureAwait(false) != running)
        {
            // Cut off: it commits what it has read so far (it also commits every 200 ms) and the rest is read again by
            // the next sync (cursors move only after commits). A moment for that commit, then the answer regardless.
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(running, Task.Delay(CommitGrace, CancellationToken.None)).ConfigureAwait(false);
            return false;
        }

        try
        {
            await running.ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false; // another sync holds the lock: it is catching up already
        }
    }

    /// <summary>Standard input, when it is a pipe or file that is closed within <see cref="InputDeadline"/>; nothing from a terminal.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadInputAsync(CancellationToken cancellationToken)
    {
        if (!Console.IsInputRedirected)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var stdin = Console.OpenStandardInput();
        var buffer = new byte[StatuslineInput.MaxBytes + 1];
        var reading = Task.Run(async () =>
        {
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stdin.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return length;
        }, cancellationToken);
        if (await Task.WhenAny(reading, Task.Delay(InputDeadline, cancellationToken)).ConfigureAwait(false) != reading)
        {
            throw new TimeoutException("no status line input: stdin was not closed within 0.3 s");
        }

        return buffer.AsMemory(0, await reading.ConfigureAwait(false));
    }
}
