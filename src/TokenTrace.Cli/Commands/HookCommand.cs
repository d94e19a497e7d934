using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace hook</c>: the commands coding agents' hook systems run.</summary>
internal static class HookCommand
{
    public static Command Create()
    {
        var command = new Command("hook", "Commands for coding agents' hook systems to run. They never fail the agent: a problem is one line on stderr and exit 0.");
        command.Subcommands.Add(KiroHookCommand.Create());
        return command;
    }
}
