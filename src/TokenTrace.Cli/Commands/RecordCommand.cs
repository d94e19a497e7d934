using System.CommandLine;
using Spectre.Console;
using System.Globalization;
using System.Text.Json;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace record</c>: stores one call's usage, priced from the catalogue.</summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model as reported (claude-sonnet-4-5, gpt-4o…).", Required = true, HelpName = "M" };
        var provider = new Option<string?>("--provider") { Description = "The provider (anthropic, openai, google…).", HelpName = "P" };
        var input = Count("--input", "Uncached input tokens.");
        var output = Count("--output", "Output tokens, reasoning included.");
        var cacheRead = Count("--cache-read", "Input tokens read from a prompt cache.");
        var cacheWrite = Count("--cache-write", "Input tokens written to a 5-minute prompt cache.");
        var cacheWrite1h = Count("--cache-write-1h", "Input tokens written to a 1-hour prompt cache.");
        var reasoning = Count("--reasoning", "The part of --output spent on reasoning.");
        var project = Text("--project", "Project to attribute the call to.");
        var job = Text("--job", "Job to attribute the call to.");
        var task = Text("--task", "Task to attribute the call to.");
        var agent = Text("--agent", "Agent that made the call.");
        var session = Text("--session", "Session the call belongs to.");
        var user = Text("--user", "User who made the call.");
        var tags = new Option<string[]>("--tag") { Description = "A free tag (repeatable).", HelpName = "K=V" };
        var at = new Option<string?>("--at") { Description = "When the call happened (ISO 8601). Default: now.", HelpName = "TIME" };
        var id = new Option<string?>("--id") { Description = "A stable id (such as the provider's request id); recording it again is a no-op.", HelpName = "ID" };
        var region = Text("--region", "Region the call ran in (eu-north-1, europe-west9, swedencentral) or a country code; default: config, then the provider's.");
        var tier = Text("--service-tier", "Service tier: batch, flex or priority (default standard).");

        var command = new Command("record", """
            Record one model call: tokens in disjoint buckets, attribution, priced from the catalogue.
            An unknown model is stored with a null cost and a warning.

            Example:
              tokentrace record --model claude-sonnet-4-5 --input 1200 --output 350 --cache-read 8000 --project docs --job nightly
            """);
        foreach (var option in new Option[] { model, provider, input, output, cacheRead, cacheWrite, cacheWrite1h, reasoning, project, job, task, agent, session, user, tags, at, id, region, tier })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var timestamp = DateTimeOffset.UtcNow;
            if (parse.GetValue(at) is { } atText && !DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp))
            {
                throw new CliInputException($"--at: '{atText}' is not an ISO 8601 instant");
            }

            var record = new UsageRecord
            {
                Id = parse.GetValue(id) ?? UsageRecord.NewId(),
                Timestamp = timestamp.ToUniversalTime(),
                Model = parse.GetValue(model)!,
                Provider = parse.GetValue(provider),
                Tokens = new TokenCounts
                {
                    Input = parse.GetValue(input),
                    Output = parse.GetValue(output),
                    CacheRead = parse.GetValue(cacheRead),
                    CacheWrite = parse.GetValue(cacheWrite),
                    CacheWrite1h = parse.GetValue(cacheWrite1h),
                    Reasoning = parse.GetValue(reasoning),
                },
                Attribution = new Attribution
                {
                    Project = parse.GetValue(project),
                    Job = parse.GetValue(job),
                    Task = parse.GetValue(task),
                    Agent = parse.GetValue(agent),
                    Session = parse.GetValue(session),
                    User = parse.GetValue(user),
                    Tags = Tags.Parse(parse.GetValue(tags), "--tag"),
                },
                Region = parse.GetValue(region),
                ServiceTier = parse.GetValue(tier),
                Source = UsageSources.Cli,
            };

            // Without a count the call would be stored as zero tokens and $0, a silently wrong number; an explicit
            // `--input 0` (a call that used nothing, such as a refused request) is still accepted.
            if (!new Option[] { input, output, cacheRead, cacheWrite, cacheWrite1h }.Any(option => parse.GetResult(option) is { Implicit: false }))
            {
                throw new CliInputException("no token counts: give at least one of --input, --output, --cache-read, --cache-write, --cache-write-1h");
            }

            var problems = UsageRecordValidator.Validate(record);
            if (problems.Count > 0)
            {
                throw new CliInputException(string.Join("; ", problems.Select(p => "--" + Kebab(p))));
            }

            var ledger = context.OpenLedgerForWriting();
            await using (ledger.ConfigureAwait(false))
            {
                var (stored, problem, notes) = context.Pipeline.Explain(record);
                foreach (var note in notes)
                {
                    context.Warn(note);
                }

                var result = await ledger.AppendAsync([stored], cancellationToken).ConfigureAwait(false);
                if (result.Added == 0)
                {
                    // The id was stored before: show what the ledger holds, not the values this call brought and the ledger refused.
                    stored = await FindStoredAsync(ledger, stored, cancellationToken).ConfigureAwait(false) ?? stored;
                }
                else if (stored.CostUsd is null)
                {
                    context.Warn($"{problem}; recorded with a null cost (see `tokentrace prices show {stored.Model}`)");
                }

                if (context.Format == "json")
                {
                    JsonOutput.Write(writer =>
                    {
                        writer.WriteStartObject();
                        writer.WriteBoolean("added", result.Added == 1);
                        writer.WritePropertyName("record");
                        UsageRecordJson.Write(writer, stored);
                        writer.WriteEndObject();
                    });
                }
                else if (!context.Quiet)
                {
                    var cost = stored.CostUsd is { } c ? Money.Format(c) : "no price";
                    var verb = result.Added == 1 ? "Recorded" : "Already recorded";
                    var impact = stored.Impact is { } i ? $", {Units.Energy(i.EnergyWh.Central)}, {Units.Co2e(i.Co2eGrams.Central)} CO2e in {stored.Region}" : "";
                    CliContext.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{verb} [bold]{stored.Id}[/]: {stored.Model}, {stored.Tokens.Total:N0} tokens, {cost}{impact}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The stored record with <paramref name="refused"/>'s id: looked for on its UTC day first (where a file ledger detects
    /// a repeated id, and what an index on time answers at once), then in the whole ledger (an id re-recorded another day).
    /// </summary>
    private static async Task<UsageRecord?> FindStoredAsync(IUsageLedger ledger, UsageRecord refused, CancellationToken cancellationToken)
    {
        var day = new DateTimeOffset(refused.Timestamp.UtcDateTime.Date, TimeSpan.Zero);
        foreach (var query in new[] { new UsageQuery { Since = day, Until = day.AddDays(1) }, UsageQuery.All })
        {
            await foreach (var record in ledger.ReadAsync(query, cancellationToken).ConfigureAwait(false))
            {
                if (record.Id == refused.Id)
                {
                    return record;
                }
            }
        }

        return null;
    }

    private static Option<long> Count(string name, string description) => new(name) { Description = description, HelpName = "N", CustomParser = InvariantNumberParser.Int64 };

    private static Option<string?> Text(string name, string description) => new(name) { Description = description, HelpName = "X" };

    // Validator fields are camelCase (cacheWrite1h); the options are kebab-case (--cache-write-1h).
    private static string Kebab(string problem)
    {
        var colon = problem.IndexOf(':', StringComparison.Ordinal);
        var field = colon > 0 ? problem[..colon] : problem;
        var kebab = string.Concat(field.Select((ch, i) => char.IsUpper(ch) || (char.IsDigit(ch) && i > 0 && !char.IsDigit(field[i - 1])) ? "-" + char.ToLowerInvariant(ch) : ch.ToString()));
        return kebab + (colon > 0 ? problem[colon..] : "");
    }
}
