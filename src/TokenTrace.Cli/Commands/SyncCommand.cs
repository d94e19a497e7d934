using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using TokenTrace.CodingAgents;
using TokenTrace.Hosting;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace sync</c>: reads what is new in the coding agents' local histories into the ledger.</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var source = new Option<string[]>("--source")
        {
            Description = "Only these agents (claude-code, codex, gemini-cli, opencode, amp, qwen-code); repeat or separate with commas. Default: all.",
            AllowMultipleArgumentsPerToken = true,
        };
        var push = new Option<string?>("--push") { Description = "After syncing, push the ledger's new records to this TokenTrace server, as `tokentrace push --to URL` does.", HelpName = "URL" };
        var pushSettings = PushSettings.Create();
        var command = new Command("sync", """
            Read what is new in the coding agents' local histories into the ledger: Claude Code
            (~/.claude/projects, ~/.config/claude/projects or CLAUDE_CONFIG_DIR), Codex CLI
            ($CODEX_HOME/sessions and archived_sessions), Gemini CLI (~/.gemini/tmp/*/chats or
            GEMINI_DATA_DIR), OpenCode (~/.local/share/opencode: opencode.db and storage/message, or
            OPENCODE_DATA_DIR), Amp (~/.local/share/amp/threads or AMP_DATA_DIR; both honour
            XDG_DATA_HOME) and Qwen Code (~/.qwen/projects/*/chats or QWEN_DATA_DIR). Each file has a
            cursor, so a second run reads only what was added; each response is stored once however
            often it is synced, also when two syncs run at once. Lines that cannot be read are counted
            and skipped, never fatal.

            Examples:
              tokentrace sync
              tokentrace sync --source claude-code --format json
              tokentrace sync --source opencode,amp
              TOKENTRACE_PUSH_TOKEN=tt_… tokentrace sync --push https://usage.example.com
            """);
        command.Options.Add(source);
        command.Options.Add(push);
        pushSettings.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var sources = Sources(parse.GetValue(source));
            var server = parse.GetValue(push);
            if (server is null && (parse.GetResult(pushSettings.Token) ?? parse.GetResult(pushSettings.DeviceName) ?? (object?)parse.GetResult(pushSettings.BatchSize)) is not null)
            {
                throw new CliInputException("--token, --device-name and --batch-size go with --push URL");
            }

            var results = await RunAsync(context, sources, cancellationToken).ConfigureAwait(false);
            if (server is null)
            {
                Write(context, results);
                return ExitCodes.Success;
            }

            if (context.Format != "json")
            {
                Write(context, results);
            }

            var pushed = await PushCommand.RunAsync(context, parse, "--push", server, pushSettings, cancellationToken).ConfigureAwait(false);
            if (context.Format == "json")
            {
                // One JSON document on standard output: the sync's array and the push's object side by side.
                JsonOutput.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePropertyName("sync");
                    WriteJson(writer, results);
                    writer.WritePropertyName("push");
                    if (pushed.Result is { } result)
                    {
                        PushCommand.WriteJson(writer, result, pushed.DeviceId);
                    }
                    else
                    {
                        writer.WriteNullValue();
                    }

                    writer.WriteEndObject();
                });
            }
            else if (pushed.Result is { } result && !context.Quiet)
            {
                PushCommand.WriteText(result);
            }

            return pushed.ExitCode;
        });
        return command;
    }

    /// <summary>Syncs every agent (or <paramref name="sources"/>) into the context's ledger.</summary>
    public static async Task<IReadOnlyList<AgentSourceSync>> RunAsync(CliContext context, IReadOnlyCollection<string>? sources, CancellationToken cancellationToken)
    {
        var ledger = context.OpenLedgerForWriting();
        await using (ledger.ConfigureAwait(false))
        {
            // The opened ledger's spec, not the one typed: `--ledger usage.db` from two folders is two ledgers.
            var sync = new AgentSync(AgentSync.BuiltInReaders, AgentEnvironment.Current, context.Pipeline, CursorPath(ledger.Spec));
            return await sync.SyncAsync(ledger, sources, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The cursor file of one ledger: the same history synced into two ledgers is read once for each.</summary>
    internal static string CursorPath(string ledgerSpec)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ledgerSpec)))[..16];
        return Path.Combine(TokenTraceEnvironment.Home, "agents", $"cursors-{key}.json");
    }

    private static HashSet<string>? Sources(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return null;
        }

        var known = AgentSync.BuiltInReaders.Select(r => r.Source).ToHashSet(StringComparer.Ordinal);
        var chosen = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
        if (chosen.FirstOrDefault(s => !known.Contains(s)) is { } unknown)
        {
            throw new CliInputException($"--source: unknown agent '{unknown}' (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
        }

        return chosen;
    }

    /// <summary>Names the lines a sync skipped (the first ones with file, line and field, then a count) on standard error.</summary>
    public static void WarnSkipped(CliContext context, IReadOnlyList<AgentSourceSync> results)
    {
        foreach (var r in results)
        {
            foreach (var problem in r.Problems)
            {
                context.Warn(problem);
            }

            if (r.Skipped > r.Problems.Count)
            {
                context.Warn(string.Create(CultureInfo.InvariantCulture, $"… and {r.Skipped - r.Problems.Count} more {r.Source} lines skipped"));
            }
        }
    }

    private static void Write(CliContext context, IReadOnlyList<AgentSourceSync> results)
    {
        if (context.Format == "json")
        {
            JsonOutput.Write(writer => WriteJson(writer, results));
            return;
        }

        WarnSkipped(context, results);
        if (context.Quiet)
        {
            return;
        }

        var table = new Table().AddColumns("Agent", "Files", "Read", "Records", "Added", "Already stored", "Pending", "Skipped lines");
        foreach (var r in results)
        {
            table.AddRow(
                r.Source.EscapeMarkup(),
                r.Files.ToString("N0", CultureInfo.InvariantCulture),
                r.FilesRead.ToString("N0", CultureInfo.InvariantCulture),
                r.Records.ToString("N0", CultureInfo.InvariantCulture),
                r.Added.ToString("N0", CultureInfo.InvariantCulture),
                r.Duplicates.ToString("N0", CultureInfo.InvariantCulture),
                r.Pending.ToString("N0", CultureInfo.InvariantCulture),
                r.Skipped.ToString("N0", CultureInfo.InvariantCulture));
        }

        CliContext.Out.Write(table);
    }

    /// <summary>The sync's results as the JSON array <c>sync --format json</c> prints.</summary>
    private static void WriteJson(Utf8JsonWriter writer, IReadOnlyList<AgentSourceSync> results)
    {
        writer.WriteStartArray();
        foreach (var r in results)
        {
            writer.WriteStartObject();
            writer.WriteString("source", r.Source);
            writer.WriteNumber("files", r.Files);
            writer.WriteNumber("filesRead", r.FilesRead);
            writer.WriteNumber("bytesRead", r.BytesRead);
            writer.WriteNumber("records", r.Records);
            writer.WriteNumber("added", r.Added);
            writer.WriteNumber("duplicates", r.Duplicates);
            writer.WriteNumber("pending", r.Pending);
            writer.WriteNumber("skippedLines", r.Skipped);
            writer.WriteStartArray("problems");
            foreach (var problem in r.Problems)
            {
                writer.WriteStringValue(problem.ToString());
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
