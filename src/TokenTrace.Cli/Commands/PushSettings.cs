using System.CommandLine;

namespace TokenTrace.Cli;

/// <summary>
/// The options every command that pushes to a server takes (<c>push</c>, <c>sync --push</c>), created once per command
/// so both spell and document them the same way.
/// </summary>
internal sealed record PushSettings(Option<string?> Token, Option<string?> DeviceName, Option<int?> BatchSize)
{
    public static PushSettings Create() => new(
        new Option<string?>("--token") { Description = "A write token of the server (default: $TOKENTRACE_PUSH_TOKEN; prefer the variable, a command line is visible to other users).", HelpName = "T" },
        new Option<string?>("--device-name") { Description = "This machine's name on the server (default: the host name).", HelpName = "N" },
        new Option<int?>("--batch-size") { Description = "Records per request (default 5000).", HelpName = "N" });

    public void AddTo(Command command)
    {
        command.Options.Add(Token);
        command.Options.Add(DeviceName);
        command.Options.Add(BatchSize);
    }
}
