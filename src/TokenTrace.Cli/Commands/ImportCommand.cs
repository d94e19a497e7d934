using System.CommandLine;
using System.Globalization;
using System.Threading.Channels;
using Spectre.Console;
using TokenTrace.Analytics.DuckDb;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace import</c>: adds records from an export (JSONL or CSV); ids make it safe to repeat.</summary>
internal static class ImportCommand
{
    /// <summary>
    /// Records per ledger append, and so per transaction: large enough that a commit (a WAL flush) is rare (200 per
    /// million records), small enough that the batches in flight stay small: with 20,000 the 10 M-record import peaked
    /// at 372 MB, with 5,000 at 195 MB (docs/architecture/performance.md, "Ingest (issue 10)").
    /// </summary>
    private const int BatchSize = 5_000;
    private const int MaxWarnings = 20;

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A .jsonl or .csv file (optionally .gz) as written by `tokentrace export`." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the good lines and report the bad ones, instead of importing nothing." };
        var command = new Command("import", """
            Import records from a JSONL or CSV export. Records already stored (same id) are skipped, so
            importing twice never double counts. A bad line stops the import (nothing is written) unless
            --skip-invalid is given; either way the message names the file, line and field. The checked
            records wait in a temporary file in TMPDIR (a fraction of the input's size) until every line
            is known good; memory stays flat for any size (about 200 MB for 10 million records). A SQLite
            ledger of 250,000 records or more then brings its analytics copy up to date, so that the next
            summary is fast (docs/end_user/analytics.md); that step takes about 20 s per million new records.

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
            var size = new FileInfo(path).Length;
            var showProgress = context.ShowProgress && size > 16 * 1024 * 1024;
            long skipped = 0;
            var result = default(AppendResult);
            if (skip)
            {
                result = await WithProgressAsync(showProgress, size, "Importing", progress =>
                    WriteAsync(context, ReadAndPrepare(context, path, progress, problem =>
                    {
                        if (++skipped <= MaxWarnings)
                        {
                            context.Warn(problem);
                        }
                    }), null, cancellationToken)).ConfigureAwait(false);
                if (skipped > MaxWarnings)
                {
                    context.Warn(string.Create(CultureInfo.InvariantCulture, $"… and {skipped - MaxWarnings} more bad lines skipped"));
                }
            }

            // All or nothing: the check pass parses and prepares every line once, keeping the prepared records in a
            // spill file; only when no line is bad does the write pass stream them from there into the ledger.
            using var spill = skip ? null : new ImportSpill();
            if (spill is not null)
            {
                var problems = new List<LedgerProblem>();
                await WithProgressAsync(showProgress, size, "Checking", progress =>
                {
                    foreach (var record in ReadAndPrepare(context, path, progress, problem =>
                    {
                        if (++skipped <= 10)
                        {
                            problems.Add(problem);
                        }
                    }))
                    {
                        if (skipped == 0)
                        {
                            spill.Write(record);
                        }
                    }

                    return Task.FromResult(default(AppendResult));
                }).ConfigureAwait(false);

                if (skipped > 0)
                {
                    var shown = string.Join("\n  ", problems);
                    var more = skipped > 10 ? string.Create(CultureInfo.InvariantCulture, $"\n  … and {skipped - 10} more") : "";
                    throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"{skipped} bad line(s); nothing imported (use --skip-invalid to import the rest):\n  {shown}{more}"));
                }

                result = await WithProgressAsync(showProgress, spill.Count, "Writing", progress =>
                    WriteAsync(context, spill.ReadAll(), progress, cancellationToken)).ConfigureAwait(false);
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

    /// <summary>
    /// Reads <paramref name="path"/> once, each record prepared (priced and estimated if the model is now known; records
    /// exported with a price or an estimate keep theirs). A bad line, or a record the pipeline refuses, goes to
    /// <paramref name="bad"/> instead.
    /// </summary>
    private static IEnumerable<UsageRecord> ReadAndPrepare(CliContext context, string path, IProgress<long>? progress, Action<LedgerProblem> bad)
    {
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
                bad(found ?? new LedgerProblem(path, 0, null, "not a record"));
                continue;
            }

            yield return prepared;
        }
    }

    /// <summary>
    /// Appends <paramref name="records"/> in batches: they are produced (parsed and priced, or read back from the spill)
    /// on one thread while the ledger writes the previous batch on another; a channel of one batch keeps memory flat
    /// when either side is slower.
    /// </summary>
    private static async Task<AppendResult> WriteAsync(CliContext context, IEnumerable<UsageRecord> records, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<List<UsageRecord>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                var batch = new List<UsageRecord>(BatchSize);
                foreach (var record in records)
                {
                    batch.Add(record);
                    if (batch.Count == BatchSize)
                    {
                        await channel.Writer.WriteAsync(batch, stop.Token).ConfigureAwait(false);

                        // Read on only once the writer has taken that batch: at most two batches are in memory, the one
                        // being written and the one being read, and the two threads still overlap.
                        await channel.Writer.WaitToWriteAsync(stop.Token).ConfigureAwait(false);
                        batch = new List<UsageRecord>(BatchSize);
                    }
                }

                if (batch.Count > 0)
                {
                    await channel.Writer.WriteAsync(batch, stop.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                // The producer's own failure (an unreadable file) is rethrown below, unchanged, when it is awaited.
                channel.Writer.Complete();
            }
        }, stop.Token);

        var result = default(AppendResult);
        var ledger = context.OpenLedgerForWriting();
        await using (ledger.ConfigureAwait(false))
        {
            try
            {
                long written = 0;
                await foreach (var batch in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    result += await ledger.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                    written += batch.Count;
                    progress?.Report(written);
                }

                await CatchUpCopyAsync(context, ledger, result, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await producer.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // Stopped because the ledger failed: that failure is the one to report.
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Brings the ledger's analytics copy up to date after a large import, so that the first summary does not pay for
    /// it. The records are in the ledger already: a copy that cannot be updated now is only a warning, and the next
    /// summary tries again.
    /// </summary>
    private static async Task CatchUpCopyAsync(CliContext context, IUsageLedger ledger, AppendResult result, CancellationToken cancellationToken)
    {
        if (result.Added == 0 || ledger.GetService<DuckDbAnalyticsLedger>() is not { } copy)
        {
            return;
        }

        try
        {
            await copy.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.Warn($"the analytics copy {copy.DatabasePath} was not updated ({ex.Message}); summaries will update it");
        }
    }

    private static async Task<AppendResult> WithProgressAsync(bool show, long total, string label, Func<IProgress<long>?, Task<AppendResult>> work)
    {
        if (!show)
        {
            return await work(null).ConfigureAwait(false);
        }

        var result = default(AppendResult);
        await CliContext.Error.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask(label, maxValue: total);
            result = await work(new Progress<long>(n => task.Value = n)).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return result;
    }
}
