using System.CommandLine;
using System.Globalization;
using System.Threading.Channels;
using Spectre.Console;
using TokenTrace.Analytics.DuckDb;
using TokenTrace.Sqlite;

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

    /// <summary>
    /// Records per append into a SQLite import transaction, which commits once at the end whatever the batch: small, so
    /// that a record dies young. It lives for about two batches (the one being written, the one being read); at 5,000
    /// that is ≈ 20 MB of allocation, more than the CLI's 16 MB young generation, so nearly every record was copied
    /// out of it by the GC (docs/architecture/performance.md, "The insert thread, fourth round").
    /// </summary>
    private const int TransactionBatchSize = 1_000;
    private const int MaxWarnings = 20;

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A .jsonl or .csv file (optionally .gz) as written by `tokentrace export`." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the good lines and report the bad ones, instead of importing nothing." };
        var command = new Command("import", """
            Import records from a JSONL or CSV export. Records already stored (same id) are skipped, so
            importing twice never double counts. A bad line stops the import (nothing is written) unless
            --skip-invalid is given; either way the message names the file, line and field. Into a SQLite
            ledger the whole import is one transaction, committed only when every line is known good
            (other writers wait for it); into other ledgers the checked records wait in a temporary file
            in TMPDIR (a fraction of the input's size) until then. Memory stays flat for any size (under
            300 MB for 10 million records). A SQLite ledger of 250,000 records or more then brings its
            analytics copy up to date, so that the next summary is fast (docs/end_user/analytics.md); that
            step takes about 20 s per million new records.

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

            // All or nothing. Into SQLite: one pass, parsing on one thread while the other inserts, all in one
            // transaction that commits only if no line was bad. Elsewhere: the check pass parses and prepares every
            // line once, keeping the prepared records in a spill file; only when no line is bad does the write pass
            // stream them from there into the ledger.
            var done = false;
            if (!skip && await ImportInOneTransactionAsync(context, path, showProgress, size, cancellationToken).ConfigureAwait(false) is { } atomic)
            {
                result = atomic;
                done = true;
            }

            using var spill = skip || done ? null : new ImportSpill();
            if (spill is not null)
            {
                var bad = new BadLineTally();
                await WithProgressAsync(showProgress, size, "Checking", progress =>
                {
                    Check(context, path, progress, bad, spill.Write, cancellationToken);
                    return Task.FromResult(default(AppendResult));
                }).ConfigureAwait(false);

                if (bad.Count > 0)
                {
                    throw bad.ToError();
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
    /// The all-or-nothing import into a ledger that takes one write transaction (<see cref="IUsageBulkAppender"/>, SQLite's
    /// <see cref="SqliteImportTransaction"/>): one pass over the file, each batch inserted into the transaction as soon as
    /// it is parsed and priced, committed only when no line was bad. Null when the ledger has no such transaction (the
    /// caller then checks into a spill file first).
    /// </summary>
    private static async Task<AppendResult?> ImportInOneTransactionAsync(CliContext context, string path, bool showProgress, long size, CancellationToken cancellationToken)
    {
        var ledger = context.OpenLedgerForWriting();
        await using (ledger.ConfigureAwait(false))
        {
            if (ledger.GetService<IUsageBulkAppender>() is not { } bulk)
            {
                return null;
            }

            // Counted on the reading thread only; read here after that thread has finished.
            var bad = new BadLineTally();
            var result = await WithProgressAsync(showProgress, size, "Importing", async progress =>
            {
                var transaction = await bulk.BeginAppendTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // The first bad line ends the writing, and the transaction is rolled back when disposed here: the
                    // write lock is not held while the rest of the file is read (below) only to report it.
                    var written = await PipeAsync(
                        UntilBad(ReadAndPrepare(context, path, progress, bad.Add), () => bad.Count > 0),
                        batch => Task.FromResult(transaction.Append(batch)),
                        null,
                        cancellationToken,
                        TransactionBatchSize).ConfigureAwait(false);
                    if (bad.Count == 0)
                    {
                        transaction.Commit();
                    }

                    return written;
                }
            }).ConfigureAwait(false);

            if (bad.Count > 0)
            {
                // Nothing was stored and no lock is held: the whole file is checked again, writing nothing, so that the
                // message counts and names every bad line, as the check pass of other ledgers does.
                var all = new BadLineTally();
                Check(context, path, null, all, null, cancellationToken);
                throw all.ToError();
            }

            await CatchUpCopyAsync(context, ledger, result, cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    private static IEnumerable<UsageRecord> UntilBad(IEnumerable<UsageRecord> records, Func<bool> anyBad)
    {
        foreach (var record in records)
        {
            if (anyBad())
            {
                yield break;
            }

            yield return record;
        }
    }

    /// <summary>
    /// The check pass: reads and prepares every line of <paramref name="path"/>, counting the bad ones in
    /// <paramref name="bad"/>, and hands the good records to <paramref name="keep"/> while no line has been bad.
    /// </summary>
    private static void Check(CliContext context, string path, IProgress<long>? progress, BadLineTally bad, Action<UsageRecord>? keep, CancellationToken cancellationToken)
    {
        foreach (var record in ReadAndPrepare(context, path, progress, bad.Add))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (bad.Count == 0)
            {
                keep?.Invoke(record);
            }
        }
    }

    /// <summary>The bad lines of an all-or-nothing import: how many, and the first ten, for the error that names them.</summary>
    private sealed class BadLineTally
    {
        private const int Shown = 10;
        private readonly List<LedgerProblem> _first = [];

        public long Count { get; private set; }

        public void Add(LedgerProblem problem)
        {
            if (++Count <= Shown)
            {
                _first.Add(problem);
            }
        }

        public CliInputException ToError()
        {
            var shown = string.Join("\n  ", _first);
            var more = Count > Shown ? string.Create(CultureInfo.InvariantCulture, $"\n  … and {Count - Shown} more") : "";
            return new CliInputException(string.Create(CultureInfo.InvariantCulture, $"{Count} bad line(s); nothing imported (use --skip-invalid to import the rest):\n  {shown}{more}"));
        }
    }

    /// <summary>Appends <paramref name="records"/> to the ledger in batches (see <see cref="PipeAsync"/>), then updates its analytics copy.</summary>
    private static async Task<AppendResult> WriteAsync(CliContext context, IEnumerable<UsageRecord> records, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var ledger = context.OpenLedgerForWriting();
        await using (ledger.ConfigureAwait(false))
        {
            var result = await PipeAsync(records, batch => ledger.AppendAsync(batch, cancellationToken), progress, cancellationToken).ConfigureAwait(false);
            await CatchUpCopyAsync(context, ledger, result, cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    /// <summary>
    /// Hands <paramref name="records"/> to <paramref name="append"/> in batches: they are produced (parsed and priced,
    /// or read back from the spill) on one thread while the previous batch is written on another; a channel of one
    /// batch keeps memory flat when either side is slower.
    /// </summary>
    private static async Task<AppendResult> PipeAsync(IEnumerable<UsageRecord> records, Func<List<UsageRecord>, Task<AppendResult>> append, IProgress<long>? progress, CancellationToken cancellationToken, int batchSize = BatchSize)
    {
        var channel = Channel.CreateBounded<List<UsageRecord>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                var batch = new List<UsageRecord>(batchSize);
                foreach (var record in records)
                {
                    batch.Add(record);
                    if (batch.Count == batchSize)
                    {
                        await channel.Writer.WriteAsync(batch, stop.Token).ConfigureAwait(false);

                        // Read on only once the writer has taken that batch: at most two batches are in memory, the one
                        // being written and the one being read, and the two threads still overlap.
                        await channel.Writer.WaitToWriteAsync(stop.Token).ConfigureAwait(false);
                        batch = new List<UsageRecord>(batchSize);
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
        try
        {
            long written = 0;
            await foreach (var batch in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                result += await append(batch).ConfigureAwait(false);
                written += batch.Count;
                progress?.Report(written);
            }
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
