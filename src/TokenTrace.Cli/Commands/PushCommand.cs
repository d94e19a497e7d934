using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TokenTrace.Hosting;
using TokenTrace.Server;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace push</c>: sends the ledger's records the server has not acknowledged yet.</summary>
internal static class PushCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "The server's URL (https://…, or http:// to this machine).", Required = true, HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "A write token of the server (default: $TOKENTRACE_PUSH_TOKEN; prefer the variable, a command line is visible to other users).", HelpName = "T" };
        var deviceName = new Option<string?>("--device-name") { Description = "This machine's name on the server (default: the host name).", HelpName = "N" };
        var batchSize = new Option<int?>("--batch-size") { Description = "Records per request (default 5000).", HelpName = "N" };
        var command = new Command("push", """
            Send this machine's new records to a TokenTrace server (`tokentrace serve`). Only what the
            server has not acknowledged is sent: a cursor per server and ledger is kept under
            $TOKENTRACE_HOME/push and moves only after the server answers for a batch, so a push cut
            by a crash or the network resumes where it stopped, and a batch sent twice is stored once.
            Batches are gzip JSON lines; failures are retried with backoff. Each record is stamped by
            the server with this machine's device id ($TOKENTRACE_HOME/device-id) and name.

            Examples:
              TOKENTRACE_PUSH_TOKEN=tt_… tokentrace push --to https://usage.example.com
              tokentrace sync && tokentrace push --to https://usage.example.com   (cron, every 10 minutes)
            """);
        command.Options.Add(to);
        command.Options.Add(token);
        command.Options.Add(deviceName);
        command.Options.Add(batchSize);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            if (!Uri.TryCreate(parse.GetValue(to), UriKind.Absolute, out var server))
            {
                throw new CliInputException($"--to: '{parse.GetValue(to)}' is not an absolute URL");
            }

            var secret = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("TOKENTRACE_PUSH_TOKEN");
            if (string.IsNullOrWhiteSpace(secret))
            {
                throw new CliInputException("no token: give --token or set TOKENTRACE_PUSH_TOKEN to a write token of the server (`tokentrace serve token add --scope write` on the server)");
            }

            var state = Path.Combine(TokenTraceEnvironment.Home, "push");
            var options = new UsagePushOptions
            {
                Server = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/"),
                Token = secret.Trim(),
                DeviceId = DeviceIdentity.LoadOrCreate(TokenTraceEnvironment.Home),
                DeviceName = parse.GetValue(deviceName) is { Length: > 0 } name ? name : Environment.MachineName,
                StateDirectory = state,
                BatchSize = parse.GetValue(batchSize) is { } size ? (size >= 1 ? size : throw new CliInputException("--batch-size: at least 1")) : 5_000,
                RetryDelay = RetryDelay(),
            };
            using var pusher = CreatePusher(options);
            var ledger = context.OpenLedger(noteWhenUnrecorded: false);
            await using (ledger.ConfigureAwait(false))
            {
                if (ledger is UnrecordedLedger)
                {
                    context.Info("Nothing recorded yet, so nothing to push.");
                    return ExitCodes.Success;
                }

                UsagePushResult result;
                try
                {
                    result = await pusher.PushAsync(ledger, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException ex)
                {
                    throw new CliInputException(ex.Message);
                }
                catch (UsagePushException ex)
                {
                    CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {ex.Message}");
                    return ExitCodes.Failure;
                }

                foreach (var error in result.Errors.Take(20))
                {
                    context.Warn("the server refused " + error);
                }

                if (context.Format == "json")
                {
                    JsonOutput.Write(writer =>
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("pushed", result.Sent);
                        writer.WriteNumber("stored", result.Stored);
                        writer.WriteNumber("duplicates", result.Duplicates);
                        writer.WriteNumber("rejected", result.Rejected);
                        writer.WriteNumber("batches", result.Batches);
                        writer.WriteString("device", options.DeviceId);
                        writer.WriteEndObject();
                    });
                }
                else if (!context.Quiet)
                {
                    var refused = result.Rejected > 0 ? string.Create(CultureInfo.InvariantCulture, $", {result.Rejected} refused") : "";
                    CliContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pushed {result.Sent} records ({result.Duplicates} already on the server{refused})"));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static UsagePusher CreatePusher(UsagePushOptions options)
    {
        try
        {
            return new UsagePusher(options);
        }
        catch (ArgumentException ex)
        {
            throw new CliInputException(ex.Message);
        }
    }

    /// <summary>
    /// The first retry's delay: 1 s, or <c>TOKENTRACE_PUSH_RETRY_DELAY_MS</c> (tests and impatient scripts make it tiny;
    /// the attempts stay the same).
    /// </summary>
    private static TimeSpan RetryDelay() =>
        int.TryParse(Environment.GetEnvironmentVariable("TOKENTRACE_PUSH_RETRY_DELAY_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(Math.Max(1, ms))
            : TimeSpan.FromSeconds(1);
}
