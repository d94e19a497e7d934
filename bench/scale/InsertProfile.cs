using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;

namespace TokenTrace.Scale;

/// <summary>
/// The insert thread of <c>import</c> alone, in process: the first <c>--records</c> records of a file are parsed and
/// prepared once and held in memory, then appended through <see cref="SqliteImportTransaction"/> (batches of 5,000,
/// one commit, as <c>import</c> does) into a new ledger, <c>--repeat</c> times. Prints the CPU time and bytes allocated
/// per record of each round, so two builds of the append path can be compared without parsing in the figure.
/// </summary>
internal static class InsertProfile
{
    public static async Task RunAsync(string jsonl, string scratch, int records, int repeat, bool dropIndexes = false)
    {
        Directory.CreateDirectory(scratch);
        var pipeline = new UsageRecordPipeline();
        var prepared = new List<UsageRecord>(records);
        foreach (var (record, _) in UsageRecordFile.ReadEntries(jsonl).Take(records))
        {
            prepared.Add(pipeline.Prepare(record!));
        }

        // What the append's own validation of every record costs (the importer's pipeline validated them already).
        var validationCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var validationBytes = GC.GetTotalAllocatedBytes(precise: true);
        foreach (var record in prepared)
        {
            UsageRecordValidator.ThrowIfInvalid(record);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"validation alone: {(Process.GetCurrentProcess().TotalProcessorTime - validationCpu).TotalSeconds * 1e6 / prepared.Count:F2} CPU-µs/record, {(GC.GetTotalAllocatedBytes(precise: true) - validationBytes) / (double)prepared.Count:F0} B/record"));

        var path = Path.Combine(scratch, "insert-profile.db");
        for (var round = 1; round <= repeat; round++)
        {
            ImportProfile.DeleteDatabase(path);
            GC.Collect();
            var ledger = new SqliteUsageLedger(path);
            await using (ledger.ConfigureAwait(false))
            {
                // Opening the ledger creates the schema: outside the measured part.
                _ = await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc).ConfigureAwait(false);
                var clock = Stopwatch.StartNew();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var indexes = dropIndexes ? Sql(path, "SELECT group_concat(sql, ';') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage' AND sql IS NOT NULL") : null;
                if (indexes is not null)
                {
                    Sql(path, "DROP INDEX ix_usage_time; DROP INDEX ix_usage_session_ts");
                }

                var transaction = await ledger.BeginImportAsync().ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    for (var i = 0; i < prepared.Count; i += 5_000)
                    {
                        _ = transaction.Append(prepared.GetRange(i, Math.Min(5_000, prepared.Count - i)));
                    }

                    transaction.Commit();
                }

                if (indexes is not null)
                {
                    Sql(path, indexes);
                }

                var seconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {prepared.Count:N0} records, {seconds:F2} CPU-s, {seconds * 1e6 / prepared.Count:F2} CPU-µs/record, {prepared.Count / seconds:N0} records/CPU-s, {clock.Elapsed.TotalSeconds:F2} s wall, {bytes / (double)prepared.Count:F0} B/record"));
            }
        }
    }

    private static string? Sql(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }
}
