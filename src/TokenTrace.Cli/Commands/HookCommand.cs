using System.CommandLine;

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
}
