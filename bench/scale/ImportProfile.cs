using System.Diagnostics;
using System.Globalization;
using TokenTrace.Sqlite;

namespace TokenTrace.Scale;

/// <summary>
/// Where an import's time goes, stage by stage, calling the library directly on one thread (as <c>import</c> does):
/// reading and parsing the JSON lines; the pipeline's validate-attribute-price step (<c>Accept</c>, which import also
/// runs in its first, checking pass); the energy estimate; and <see cref="SqliteUsageLedger.AppendAsync"/> of the
/// prepared records in batches of 5,000 into a new ledger. Then the same records through raw SQLite schema variants
/// (see <see cref="SqliteInsertVariants"/>).
/// </summary>
internal static class ImportProfile
{
    public static async Task RunAsync(string jsonl, string scratch, string[] variants)
    {
        Directory.CreateDirectory(scratch);
        var pipeline = new UsageRecordPipeline();

        // Warm up the JIT and the pipeline's caches on a few thousand lines, so the stages below measure steady state.
        foreach (var (record, _) in UsageRecordFile.ReadEntries(jsonl).Take(5_000))
        {
            _ = pipeline.Prepare(record!);
        }

        long count = 0;
        var parse = Measure("read + parse (UsageRecordFile.ReadEntries)", () =>
        {
            foreach (var (record, _) in UsageRecordFile.ReadEntries(jsonl))
            {
                count += record is null ? 0 : 1;
            }
        });
        var accept = Measure("read + parse + Accept (validate, attribute, price)", () =>
        {
            foreach (var (record, _) in UsageRecordFile.ReadEntries(jsonl))
            {
                _ = pipeline.Accept(record!);
            }
        });
        var prepareOnly = Measure("read + parse + Prepare (+ energy estimate), not kept", () =>
        {
            foreach (var (record, _) in UsageRecordFile.ReadEntries(jsonl))
            {
                _ = pipeline.Prepare(record!);
            }
        });
        var records = new List<UsageRecord>((int)count);
        var prepare = Measure("read + parse + Prepare (+ energy estimate), kept in memory", () =>
        {
            foreach (var (record, _) in UsageRecordFile.ReadEntries(jsonl))
            {
                records.Add(pipeline.Prepare(record!));
            }
        });

        var validate = Measure("UsageRecordValidator.ThrowIfInvalid (AppendAsync runs it again)", () =>
        {
            foreach (var record in records)
            {
                UsageRecordValidator.ThrowIfInvalid(record);
            }
        });

        var path = Path.Combine(scratch, "profile-ledger.db");
        DeleteDatabase(path);
        var ledger = new SqliteUsageLedger(path);
        double append;
        await using (ledger.ConfigureAwait(false))
        {
            var clock = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < records.Count; i += 5_000)
            {
                _ = await ledger.AppendAsync(records.GetRange(i, Math.Min(5_000, records.Count - i))).ConfigureAwait(false);
            }

            append = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Allocated["append"] = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Report("SqliteUsageLedger.AppendAsync, batches of 5,000 (validate + bind + insert + indexes + rollup + commit)", clock.Elapsed.TotalSeconds, append, count);
        }

        // The same records through one import transaction (what `import` into SQLite does): one commit in all.
        DeleteDatabase(path);
        ledger = new SqliteUsageLedger(path);
        double inOne;
        await using (ledger.ConfigureAwait(false))
        {
            var clock = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var transaction = await ledger.BeginImportAsync().ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                for (var i = 0; i < records.Count; i += 5_000)
                {
                    _ = transaction.Append(records.GetRange(i, Math.Min(5_000, records.Count - i)));
                }

                transaction.Commit();
            }

            inOne = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Allocated["import transaction"] = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Report("SqliteImportTransaction.Append, batches of 5,000, one commit", clock.Elapsed.TotalSeconds, inOne, count);
        }

        Console.WriteLine();
        Console.WriteLine("| stage (one thread) | CPU s | CPU µs/record | bytes allocated/record |");
        Console.WriteLine("|---|---:|---:|---:|");
        const string Parse = "read + parse (UsageRecordFile.ReadEntries)", Accept = "read + parse + Accept (validate, attribute, price)",
            Prepare = "read + parse + Prepare (+ energy estimate), not kept";
        Row("read + parse JSON lines", parse, count, Allocated[Parse]);
        Row("validate + attribute + price (Accept)", accept - parse, count, Allocated[Accept] - Allocated[Parse]);
        Row("energy/CO2e estimate", prepareOnly - accept, count, Allocated[Prepare] - Allocated[Accept]);
        Row("(holding all records in memory for the append test)", prepare - prepareOnly, count, null);
        Row("validate again inside AppendAsync", validate, count, null);
        Row("SQLite append (AppendAsync minus its validation), 5,000 per transaction", append - validate, count, Allocated["append"]);
        Row("SQLite append in one import transaction (minus validation)", inOne - validate, count, Allocated["import transaction"]);
        Row("one thread, all stages: parse + Prepare + one-transaction append", prepareOnly + inOne, count, Allocated[Prepare] + Allocated["import transaction"]);
        Console.WriteLine();

        if (variants.Length > 0)
        {
            await SqliteInsertVariants.RunAsync(records, scratch, variants).ConfigureAwait(false);
        }
    }

    public static void DeleteDatabase(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    /// <summary>Runs <paramref name="action"/>; returns the CPU time this process spent (robust when the machine is shared), and logs wall time too.</summary>
    private static double Measure(string name, Action action)
    {
        GC.Collect();
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        action();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Allocated[name] = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {clock.Elapsed.TotalSeconds:F2} s wall, {cpuSeconds:F2} s CPU, {Allocated[name]:N0} bytes allocated"));
        return cpuSeconds;
    }

    /// <summary>Bytes allocated by each measured stage (all threads), by stage name.</summary>
    private static readonly Dictionary<string, long> Allocated = new(StringComparer.Ordinal);

    private static void Report(string name, double wall, double cpu, long count) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {wall:F2} s wall ({count / wall:N0} records/s), {cpu:F2} s CPU ({count / cpu:N0} records/CPU-s)"));

    private static void Row(string name, double seconds, long count, long? allocated) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {seconds:F2} | {seconds * 1e6 / count:F2} | {(allocated is { } a ? (a / (double)count).ToString("F0", CultureInfo.InvariantCulture) : "—")} |"));
}
