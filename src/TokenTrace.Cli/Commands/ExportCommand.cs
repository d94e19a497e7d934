using System.CommandLine;
using System.Buffers;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace export</c>: writes stored records as JSON lines or CSV, the same formats <c>import</c> reads.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "jsonl or csv.", Required = true, HelpName = "FORMAT" };
        to.AcceptOnlyFromAmong("jsonl", "csv");
        var output = new Option<string?>("--output", "-o") { Description = "The file to write. Default: standard output.", HelpName = "FILE" };
        var filters = new FilterOptions();
        var command = new Command("export", """
            Export stored records, every field, as JSON lines or CSV (RFC 4180, spreadsheet-safe).

            Examples:
              tokentrace export --to csv -o november.csv --since 2026-11-01 --until 2026-11-30
              tokentrace export --to jsonl --project docs > docs.jsonl
            """);
        command.Options.Add(to);
        command.Options.Add(output);
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var path = parse.GetValue(output);
            var csv = parse.GetValue(to) == "csv";
            var ledger = context.OpenLedger();
            await using (ledger.ConfigureAwait(false))
            {
                var query = context.Query(filters.Read(parse));
                await FilterValueCheck.ThrowIfUnknownAsync(ledger, query, null, cancellationToken).ConfigureAwait(false);
                long total = 0;
                if (path is not null && context.ShowProgress)
                {
                    var summary = await ledger.SummarizeAsync(query, [], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
                    total = summary.Total.Records;
                }

                await using var stream = path is null ? Console.OpenStandardOutput() : CliFiles.Create(path, "-o", context.LedgerSpec);
                long written = 0;
                async Task WriteAllAsync(Action<long>? progress)
                {
                    var buffer = new ArrayBufferWriter<byte>(1 << 16);
                    var text = new StringBuilder();
                    if (csv)
                    {
                        buffer.Write(Encoding.UTF8.GetBytes(UsageRecordCsv.Header + "\n"));
                    }

                    await foreach (var record in ledger.ReadAsync(query, cancellationToken).ConfigureAwait(false))
                    {
                        if (csv)
                        {
                            UsageRecordCsv.AppendRow(text.Clear(), record);
                            buffer.Write(Encoding.UTF8.GetBytes(text.ToString()));
                        }
                        else
                        {
                            UsageRecordJson.WriteLine(buffer, record);
                        }

                        if (++written % 10_000 == 0)
                        {
                            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                            buffer.ResetWrittenCount();
                            progress?.Invoke(written);
                        }
                    }

                    await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    progress?.Invoke(written);
                }

                if (total > 10_000)
                {
                    await CliContext.Error.Progress().StartAsync(async progress =>
                    {
                        var task = progress.AddTask("Exporting", maxValue: total);
                        await WriteAllAsync(n => task.Value = n).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                }
                else
                {
                    await WriteAllAsync(null).ConfigureAwait(false);
                }

                if (path is not null)
                {
                    context.Info(string.Create(CultureInfo.InvariantCulture, $"Exported {written:N0} records to {path}."));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
