using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace import</c>: adds records from an export (JSONL or CSV); ids make it safe to repeat.</summary>
internal static class ImportCommand
{
    private const int BatchSize = 5_000;

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

            var (read, problems) = UsageRecordFile.Read(path);
            var records = read.ToList();
            if (problems.Count > 0 && !parse.GetValue(skipInvalid))
            {
                var shown = string.Join("\n  ", problems.Take(10));
                var more = problems.Count > 10 ? string.Create(CultureInfo.InvariantCulture, $"\n  … and {problems.Count - 10} more") : "";
                throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"{problems.Count} bad line(s); nothing imported (use --skip-invalid to import the rest):\n  {shown}{more}"));
            }

            foreach (var problem in problems)
            {
                context.Warn(problem);
            }

            // Records exported unpriced (or unestimated) get a price (or an estimate) if the model is now known; the rest keep theirs.
            for (var i = 0; i < records.Count; i++)
            {
                records[i] = context.Pipeline.Prepare(records[i]);
            }

            var ledger = context.OpenLedger();
            var result = default(AppendResult);
            await using (ledger.ConfigureAwait(false))
            {
                async Task AppendAllAsync(Action<int>? progress)
                {
                    for (var start = 0; start < records.Count; start += BatchSize)
                    {
                        var batch = records.GetRange(start, Math.Min(BatchSize, records.Count - start));
                        result += await ledger.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                        progress?.Invoke(start + batch.Count);
                    }
                }

                if (context.ShowProgress && records.Count > BatchSize)
                {
                    await CliContext.Error.Progress().StartAsync(async progress =>
                    {
                        var task = progress.AddTask("Importing", maxValue: records.Count);
                        await AppendAllAsync(n => task.Value = n).ConfigureAwait(false);
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
                    writer.WriteNumber("skipped", problems.Count);
                    writer.WriteEndObject();
                });
            }
            else if (!context.Quiet)
            {
                CliContext.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Imported {result.Added:N0} records ({result.Duplicates:N0} already stored, {problems.Count:N0} bad lines skipped).");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
