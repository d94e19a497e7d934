using TokenTrace.Client;
using TokenTrace.Server;

namespace TokenTrace.Cli;

/// <summary>What <see cref="PushCommand.RunAsync"/> did: the exit code, and the result when a push ran to its end.</summary>
internal sealed record PushOutcome(int ExitCode, UsagePushResult? Result, string DeviceId);
