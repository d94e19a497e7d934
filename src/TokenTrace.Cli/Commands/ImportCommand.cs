using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace import</c>: adds records from an export (JSONL or CSV); ids make it safe to repeat.</summary>
internal static class ImportCommand
{
    private const int BatchSize = 5_000;
    private const int MaxWarnings = 20;

    /// <summary>The pipeline's objection to <paramref name="record"/> (a price that makes its cost exceed the bound), or null.</summary>
    private static LedgerProblem? Refused(CliContext context, UsageRecord record, string path)
    {
        try
        {
            _ = context.Pipeline.Accept(record);
            return null;
        }
        catch (ArgumentException ex)
        {
            return new LedgerProblem(path, 0, null, ex.Message);
        }
    }

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A .jsonl or .csv file (optionally .gz) as written by `tokentrace export`." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the good lines and report the bad ones, instead of importing nothing." };
        var command = new Command("import", """
            Import records from a JSONL or CSV export. Records already stored (same id) are skipped, so
            importing twice never double counts. A bad line stops the import (nothing is written) unless
            --skip-invalid is given; either way the message names the file, line and field.

            Example:
              tokentrace import team-usage.jsonl
            """);
        command.Arguments.Add(file);
        command.Options.Add(skipInvalid);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CliInputException($"{path}: no such file");
            }

            var skip = parse.GetValue(skipInvalid);
            long skipped = 0;
            if (!skip)
            {
                // First pass, nothing kept in memory: a bad line (or a record the pipeline refuses) stops the import
                // before anything is written.
                var problems = new List<LedgerProblem>();
                foreach (var (record, problem) in UsageRecordFile.ReadEntries(path))
                {
                    var found = problem ?? Refused(context, record!, path);
                    if (found is not null && ++skipped <= 10)
                    {
                        problems.Add(found);
                    }
                }

                if (skipped > 0)
                {
                    var shown = string.Join("\n  ", problems);
                    var more = skipped > 10 ? string.Create(CultureInfo.InvariantCulture, $"\n  … and {skipped - 10} more") : "";
                    throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"{skipped} bad line(s); nothing imported (use --skip-invalid to import the rest):\n  {shown}{more}"));
                }
            }

            var ledger = context.OpenLedger();
            var result = default(AppendResult);
            await using (ledger.ConfigureAwait(false))
            {
                // Streams: a batch is read, prepared (records exported unpriced or unestimated get a price or an
                // estimate if the model is now known; the rest keep theirs), appended, and dropped.
                async Task AppendAllAsync(IProgress<long>? progress)
                {
                    var batch = new List<UsageRecord>(BatchSize);
                    foreach (var (record, problem) in UsageRecordFile.ReadEntries(path, progress))
                    {
                        UsageRecord? prepared = null;
                        var found = problem;
                        if (record is not null)
                        {
                            try
                            {
                                prepared = context.Pipeline.Prepare(record);
                            }
                            catch (ArgumentException ex)
                            {
                                found = new LedgerProblem(path, 0, null, ex.Message);
                            }
                        }

                        if (prepared is null)
                        {
                            skipped++;
                            if (found is not null && skipped <= MaxWarnings)
                            {
                                context.Warn(found);
                            }

                            continue;
                        }

                        batch.Add(prepared);
                        if (batch.Count == BatchSize)
                        {
                            result += await ledger.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                            batch.Clear();
                        }
                    }

                    if (batch.Count > 0)
                    {
                        result += await ledger.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                    }

                    if (skipped > MaxWarnings)
                    {
                        context.Warn(string.Create(CultureInfo.InvariantCulture, $"… and {skipped - MaxWarnings} more bad lines skipped"));
                    }
                }

                var size = new FileInfo(path).Length;
                if (context.ShowProgress && size > 16 * 1024 * 1024)
                {
                    await CliContext.Error.Progress().StartAsync(async progress =>
                    {
                        var task = progress.AddTask("Importing", maxValue: size);
                        await AppendAllAsync(new Progress<long>(n => task.Value = n)).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                }
                else
                {
                    await AppendAllAsync(null).ConfigureAwait(false);
                }
            }

            if (context.Format == "json")
            {
                JsonOutput.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("added", result.Added);
                    writer.WriteNumber("duplicates", result.Duplicates);
                    writer.WriteNumber("skipped", skipped);
                    writer.WriteEndObject();
                });
            }
            else if (!context.Quiet)
            {
                CliContext.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Imported {result.Added:N0} records ({result.Duplicates:N0} already stored, {skipped:N0} bad lines skipped).");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
