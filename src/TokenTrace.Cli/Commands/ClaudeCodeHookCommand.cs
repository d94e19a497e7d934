using System.CommandLine;
using System.Globalization;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace hook claude-code</c>: Claude Code's hook command (the plugin in integrations/claude-code calls it).</summary>
internal static class ClaudeCodeHookCommand
{
    /// <summary>The default time limit, safely below the 10 s the plugin's hooks.json gives each hook.</summary>
    public const decimal DefaultTimeoutSeconds = 8;

    public static Command Create()
    {
        var timeout = new Option<decimal>("--timeout")
        {
            Description = "Seconds this hook may take in all (keep it below the hook's timeout in hooks.json). A sync not done by then stops, and the hook answers from what is stored.",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
            HelpName = "SECONDS",
            CustomParser = InvariantNumberParser.Decimal,
        };
        var command = new Command("claude-code", """
            Claude Code's hook: reads the hook's JSON on standard input and, by event,
              SessionStart, Stop, SubagentStop   sync what is new in Claude Code's history (running totals)
              UserPromptSubmit                   sync, then exit 2 with the reason when a hard budget
                                                 covering this session is exhausted (the prompt is refused)
              SessionEnd                         sync, then print the session's summary and save it as
                                                 JSON under $TOKENTRACE_HOME/sessions/
            Anything unexpected (bad input, no ledger, no time left) is one line on standard error and exit 0.

            Example:
              echo '{"hook_event_name":"SessionEnd","session_id":"…","transcript_path":"…","cwd":"…"}' | tokentrace hook claude-code
            """)
        {
            // A flag this version does not know (a plugin written for a newer TokenTrace) is noted, and the hook still runs.
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.UnmatchedTokens.Count > 0)
            {
                ClaudeCodeHook.Note($"ignored what this version does not know: {string.Join(' ', parse.UnmatchedTokens)}");
            }

            var seconds = parse.GetValue(timeout);
            if (seconds is < 0.5m or > 600m)
            {
                ClaudeCodeHook.Note(string.Create(CultureInfo.InvariantCulture, $"--timeout {seconds}: expected 0.5 to 600 seconds; using {DefaultTimeoutSeconds}"));
                seconds = DefaultTimeoutSeconds;
            }

            var limit = TimeSpan.FromSeconds((double)seconds);
            using var stdin = Console.OpenStandardInput();
            var work = Task.Run(() => new ClaudeCodeHook(parse, limit).RunAsync(stdin, cancellationToken), cancellationToken);

            // The hook's own deadline, whatever it is doing (waiting for a lock, a slow disk): past it the agent gets its
            // answer — go on — and the work in flight is dropped with the process (stored records are whole or absent).
            if (await Task.WhenAny(work, Task.Delay(limit, cancellationToken)).ConfigureAwait(false) != work)
            {
                ClaudeCodeHook.Note(string.Create(CultureInfo.InvariantCulture, $"stopped at its time limit ({limit.TotalSeconds:0.#} s, --timeout); nothing was refused"));
                return ExitCodes.Success;
            }

            try
            {
                return await work.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ClaudeCodeHook.Note($"unexpected failure: {ex.Message}; nothing was refused");
                return ExitCodes.Success;
            }
        });
        return command;
    }
}
