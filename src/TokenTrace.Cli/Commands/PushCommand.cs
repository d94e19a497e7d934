using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TokenTrace.Client;
using TokenTrace.Hosting;
using TokenTrace.Server;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace push</c>: sends the ledger's records the server has not acknowledged yet.</summary>
internal static class PushCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "The server's URL (https://…, or http:// to this machine).", Required = true, HelpName = "URL" };
        var settings = PushSettings.Create();
        var command = new Command("push", """
            Send this machine's new records to a TokenTrace server (`tokentrace serve`). Only what the
            server has not acknowledged is sent: a cursor per server and ledger is kept under
            $TOKENTRACE_HOME/push and moves only after the server answers for a batch, so a push cut
            by a crash or the network resumes where it stopped, and a batch sent twice is stored once.
            Batches are gzip JSON lines; failures are retried with backoff. Each record is stamped by
            the server with this machine's device id ($TOKENTRACE_HOME/device-id) and name.

            Examples:
              TOKENTRACE_PUSH_TOKEN=tt_… tokentrace push --to https://usage.example.com
              tokentrace sync --push https://usage.example.com   (cron, every 10 minutes)
            """);
        command.Options.Add(to);
        settings.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var outcome = await RunAsync(context, parse, "--to", parse.GetValue(to), settings, cancellationToken).ConfigureAwait(false);
            if (outcome.Result is { } result)
            {
                if (context.Format == "json")
                {
                    JsonOutput.Write(writer => WriteJson(writer, result, outcome.DeviceId));
                }
                else if (!context.Quiet)
                {
                    WriteText(result);
                }
            }

            return outcome.ExitCode;
        });
        return command;
    }

    /// <summary>
    /// Pushes the context's ledger to <paramref name="url"/> (given by option <paramref name="optionName"/>), with the
    /// token, device name and batch size of <paramref name="settings"/>; shared by <c>push</c> and <c>sync --push</c>.
    /// Warnings and errors go to standard error; the caller writes the result. No result when there was nothing
    /// recorded or the push failed (the exit code says which).
    /// </summary>
    public static async Task<PushOutcome> RunAsync(CliContext context, ParseResult parse, string optionName, string? url, PushSettings settings, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var server))
        {
            throw new CliInputException($"{optionName}: '{url}' is not an absolute URL");
        }

        var secret = parse.GetValue(settings.Token) ?? Environment.GetEnvironmentVariable("TOKENTRACE_PUSH_TOKEN");
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
            DeviceName = parse.GetValue(settings.DeviceName) is { Length: > 0 } name ? name : Environment.MachineName,
            StateDirectory = state,
            BatchSize = parse.GetValue(settings.BatchSize) is { } size ? (size >= 1 ? size : throw new CliInputException("--batch-size: at least 1")) : 5_000,
            RetryDelay = RetryDelay(),
        };
        using var pusher = CreatePusher(options);
        var ledger = context.OpenLedger(noteWhenUnrecorded: false);
        await using (ledger.ConfigureAwait(false))
        {
            if (ledger is UnrecordedLedger)
            {
                context.Info("Nothing recorded yet, so nothing to push.");
                return new PushOutcome(ExitCodes.Success, null, options.DeviceId);
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
                return new PushOutcome(ExitCodes.Failure, null, options.DeviceId);
            }

            foreach (var error in result.Errors.Take(20))
            {
                context.Warn("the server refused " + error);
            }

            return new PushOutcome(ExitCodes.Success, result, options.DeviceId);
        }
    }

    /// <summary>A push's result as the JSON object <c>push --format json</c> prints.</summary>
    public static void WriteJson(Utf8JsonWriter writer, UsagePushResult result, string deviceId)
    {
        writer.WriteStartObject();
        writer.WriteNumber("pushed", result.Sent);
        writer.WriteNumber("stored", result.Stored);
        writer.WriteNumber("duplicates", result.Duplicates);
        writer.WriteNumber("rejected", result.Rejected);
        writer.WriteNumber("batches", result.Batches);
        writer.WriteString("device", deviceId);
        writer.WriteEndObject();
    }

    /// <summary>A push's result as the line <c>push</c> prints.</summary>
    public static void WriteText(UsagePushResult result)
    {
        var refused = result.Rejected > 0 ? string.Create(CultureInfo.InvariantCulture, $", {result.Rejected} refused") : "";
        CliContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pushed {result.Sent} records ({result.Duplicates} already on the server{refused})"));
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
