using System.CommandLine;
using System.CommandLine.Parsing;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace hook AGENT</c>: the commands the coding agents' hook systems call, one subcommand per agent.</summary>
internal static class HookCommand
{
    public static Command Create()
    {
        var command = new Command("hook", """
            Commands for the coding agents' hook systems to call (they read the agent's hook input on
            standard input). They never break the agent: a failure is one line on standard error and
            exit 0; only an exhausted hard budget refuses, where the agent allows it.

            Example (in a Claude Code hooks.json; see docs/end_user/claude-code-plugin.md):
              tokentrace hook claude-code --timeout 8
            """);
        command.Subcommands.Add(ClaudeCodeHookCommand.Create());
        command.Subcommands.Add(KiroHookCommand.Create());
        return command;
    }

    /// <summary>
    /// A command line that does not parse, under <c>hook</c> (or <c>statusline</c>): one line and exit 0 (true), never the
    /// usual exit 2 — an agent reads exit 2 from a hook as "block" (Claude Code refuses the prompt, or keeps a finished
    /// turn going), and a hooks file written for a newer TokenTrace must not break the agent under an older one.
    /// </summary>
    internal static bool ReportParseErrors(ParseResult parse)
    {
        if (parse.CommandResult is { Command.Name: "statusline", Parent: CommandResult { Parent: null } })
        {
            // Claude Code shows the status line command's standard output: the one line it prints on any failure.
            Console.Out.WriteLine(StatuslineText.Fallback(string.Join("; ", parse.Errors.Select(e => e.Message))));
            return true;
        }

        var name = parse.CommandResult switch
        {
            { Command.Name: "hook", Parent: CommandResult { Parent: null } } => "hook",
            { Parent: CommandResult { Command.Name: "hook" } } hook => "hook " + hook.Command.Name,
            _ => null,
        };
        if (name is null)
        {
            return false;
        }

        Note(name, string.Join("; ", parse.Errors.Select(e => e.Message)) + "; nothing was done");
        return true;
    }

    /// <summary>
    /// What a hook tells the agent's log: one line on standard error, <c>tokentrace NAME: message</c>, whatever the
    /// message holds (System.CommandLine lists allowed values on lines of their own, an exception may span several).
    /// </summary>
    internal static void Note(string name, string message) =>
        Console.Error.WriteLine($"tokentrace {name}: " + string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
}
