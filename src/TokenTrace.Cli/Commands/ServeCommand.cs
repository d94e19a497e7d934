using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TokenTrace.Hosting;
using TokenTrace.Server;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace serve</c>: the team server over the ledger; <c>tokentrace serve token add|remove|list</c>: its tokens.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default {TokenTraceServer.DefaultUrl}: this machine only). Semicolon-separated; https:// needs a certificate (docs/end_user/server.md).", HelpName = "URL" };
        var tokens = TokensOption();
        var maxBody = new Option<int?>("--max-body-mb") { Description = "The largest request body accepted, in MiB (default 16); larger batches are refused with 413.", HelpName = "N" };
        var otlpMetrics = new Option<bool>("--otlp-metrics") { Description = "Store gen_ai.client.token.usage metrics (delta temporality) sent to POST /v1/metrics as records. Off: usage comes from gen_ai spans (POST /v1/traces); an app sending both would count twice (docs/end_user/otlp.md)." };
        var command = new Command("serve", """
            Run the team server over the ledger: machines send records to it (`tokentrace push`,
            POST /v1/records; any OpenTelemetry app through OTLP/HTTP, POST /v1/traces), dashboards
            and scripts read summaries, budgets and reports from it (GET /v1/summary, /v1/budgets,
            /v1/report, /v1/records), monitoring reads /healthz and /metrics. Open the dashboard at the
            server's address (/) in a browser and paste a read token. Every request but /healthz and
            the dashboard's page needs a bearer token from the tokens file; create them with
            `serve token add`.
            It stops on Ctrl+C or SIGTERM. See docs/end_user/server.md.

            Examples:
              tokentrace serve token add --name laptop --scope write
              tokentrace serve --ledger sqlite:/srv/tokentrace/team.db
              tokentrace serve --urls http://0.0.0.0:5080      (every interface: put TLS in front, or use https)
              OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:5080 OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer tt_…" \
                dotnet run --project examples/OpenTelemetry    (an OpenTelemetry app reporting over OTLP/HTTP)
            """);
        command.Options.Add(urls);
        command.Options.Add(tokens);
        command.Options.Add(maxBody);
        command.Options.Add(otlpMetrics);
        command.Subcommands.Add(TokenCommand());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var tokensPath = parse.GetValue(tokens) ?? DefaultTokensPath;
            var set = File.Exists(tokensPath) ? LoadTokens(tokensPath) : null;
            if (set is null || set.Tokens.Count == 0)
            {
                throw new CliInputException($"{tokensPath}: no tokens, so the server would refuse every request; create one with `tokentrace serve token add --name NAME --scope write`");
            }

            if (parse.GetValue(maxBody) is < 1)
            {
                throw new CliInputException("--max-body-mb: at least 1");
            }

            // A server over another server would hold no budgets or records of its own, and forward every write with
            // its own token: one hop with two sets of tokens to keep right, never what anyone means.
            if (context.IsRemoteLedger)
            {
                throw new CliInputException($"--ledger {context.LedgerSpec}: serve hosts a ledger it owns (sqlite:…, postgres://…), not another TokenTrace server; point clients at that server instead");
            }

            // The ledger's own lines (a PostgreSQL fold of the sums that keeps failing) go to the console beside the server's.
            using var ledgerLogging = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
            var ledger = context.OpenLedgerForWriting(ledgerLogging);
            await using (ledger.ConfigureAwait(false))
            {
                var options = new TokenTraceServerOptions
                {
                    Ledger = ledger,
                    Pipeline = context.Pipeline,
                    Tokens = set,
                    Budgets = context.Settings.BuildBudgets(),
                    MaxRequestBodyBytes = (parse.GetValue(maxBody) ?? 16) * 1024L * 1024,
                    OtlpMetricRecords = parse.GetValue(otlpMetrics),
                };
                string[] args = parse.GetValue(urls) is { Length: > 0 } given ? ["--urls", given] : [];
                // One line per request from ASP.NET Core drowns the batches' own lines: its warnings and errors only.
                var app = TokenTraceServer.Create(options, args, builder => builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
                await using (app.ConfigureAwait(false))
                {
                    context.Info(string.Create(CultureInfo.InvariantCulture, $"Serving {ledger.Spec} with {set.Tokens.Count} token(s) from {tokensPath}; Ctrl+C stops."));
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // Ctrl+C: an orderly stop, not a failure.
                    }

                    await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The tokens file when <c>--tokens</c> is not given: <c>$TOKENTRACE_HOME/server-tokens.json</c>.</summary>
    public static string DefaultTokensPath => Path.Combine(TokenTraceEnvironment.Home, "server-tokens.json");

    private static Option<string?> TokensOption() => new("--tokens") { Description = "The tokens file (default $TOKENTRACE_HOME/server-tokens.json).", HelpName = "FILE" };

    private static ServerTokenSet LoadTokens(string path)
    {
        try
        {
            return ServerTokenFile.Load(path);
        }
        catch (FormatException ex)
        {
            throw new CliInputException(ex.Message);
        }
    }

    private static Command TokenCommand()
    {
        var token = new Command("token", "Manage the server's tokens (stored as SHA-256 hashes; a token is shown once, when added).");
        var tokens = TokensOption();
        var name = new Option<string>("--name") { Description = "Who holds it (a machine, a service); stamped on the records it sends as the principal tag.", Required = true, HelpName = "NAME" };
        var scope = new Option<string>("--scope") { Description = "write (send records) or read (summaries, budgets, metrics).", Required = true, HelpName = "write|read" };
        scope.AcceptOnlyFromAmong("write", "read");
        var project = new Option<string?>("--project") { Description = "Only this project's records (write) or usage (read).", HelpName = "P" };
        var device = new Option<string?>("--device") { Description = "A write token that may only send as this device id (`tokentrace push` prints it).", HelpName = "ID" };
        var add = new Command("add", """
            Add a token and print it, once: it is stored hashed and cannot be shown again.

            Examples:
              tokentrace serve token add --name laptop-ana --scope write
              tokentrace serve token add --name grafana --scope read --project checkout
            """);
        foreach (var option in new Option[] { name, scope, project, device, tokens })
        {
            add.Options.Add(option);
        }

        add.SetAction(parse =>
        {
            var path = parse.GetValue(tokens) ?? DefaultTokensPath;
            string secret;
            try
            {
                secret = ServerTokenFile.Add(path, parse.GetValue(name)!, parse.GetValue(scope) == "write" ? ServerTokenScope.Write : ServerTokenScope.Read, parse.GetValue(project), parse.GetValue(device));
            }
            catch (FormatException ex)
            {
                throw new CliInputException(ex.Message);
            }

            // The secret goes to standard output alone, so `TOKEN=$(tokentrace serve token add …)` captures it.
            Console.Out.WriteLine(secret);
            CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]Token '{parse.GetValue(name)}' added to {path}. Keep it now: it is stored hashed and cannot be shown again.[/]");
            return ExitCodes.Success;
        });

        var removeName = new Argument<string>("NAME") { Description = "The token's name." };
        var removeTokens = TokensOption();
        var remove = new Command("remove", "Remove a token (the server reads the file at start: restart it).");
        remove.Arguments.Add(removeName);
        remove.Options.Add(removeTokens);
        remove.SetAction(parse =>
        {
            var path = parse.GetValue(removeTokens) ?? DefaultTokensPath;
            if (!ServerTokenFile.Remove(path, parse.GetValue(removeName)!))
            {
                throw new CliInputException($"{path}: no token named '{parse.GetValue(removeName)}'");
            }

            return ExitCodes.Success;
        });

        var listTokens = TokensOption();
        var list = new Command("list", "List the tokens: name, scope, project and device (never a secret: only hashes are stored).");
        list.Options.Add(listTokens);
        list.SetAction(parse =>
        {
            var path = parse.GetValue(listTokens) ?? DefaultTokensPath;
            foreach (var t in File.Exists(path) ? LoadTokens(path).Tokens : [])
            {
                CliContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.Name}\t{(t.Scope == ServerTokenScope.Write ? "write" : "read")}\t{t.Project ?? "-"}\t{t.Device ?? "-"}"));
            }

            return ExitCodes.Success;
        });

        token.Subcommands.Add(add);
        token.Subcommands.Add(remove);
        token.Subcommands.Add(list);
        return token;
    }
}
