using System.Diagnostics;
using TokenTrace.Analytics.DuckDb;
using TokenTrace.Sqlite;

namespace TokenTrace.Scale;

/// <summary>
/// Where an analytics catch-up's time goes, on a copy of an existing SQLite ledger: reading every record through the
/// change feed (<see cref="IUsageChangeFeed.ReadAfterAsync"/>) alone, then a whole catch-up into a new DuckDB copy
/// (feed + temporary CSV files + DuckDB's load).
/// </summary>
internal static class CatchUpProfile
{
    public static async Task RunAsync(string ledgerPath, string scratch, bool feedOnly)
    {
        Directory.CreateDirectory(scratch);
        var ledger = new SqliteUsageLedger(ledgerPath);
        await using (ledger.ConfigureAwait(false))
        {
            var position = await ledger.GetPositionAsync().ConfigureAwait(false);
            long count = 0;
            var (wall, cpu) = await MeasureAsync(async () =>
            {
                await foreach (var batch in ledger.ReadAfterAsync(0, position.LastSequence).ConfigureAwait(false))
                {
                    count += batch.Count;
                }
            }).ConfigureAwait(false);
            Report("change feed: ReadAfterAsync of every record", wall, cpu, count);

            if (feedOnly)
            {
                return;
            }

            var copy = Path.Combine(scratch, "catch-up.duckdb");
            foreach (var file in Directory.EnumerateFiles(scratch, "catch-up.duckdb*"))
            {
                File.Delete(file);
            }

            var analytics = new DuckDbAnalyticsLedger(ledger, copy, new DuckDbAnalyticsOptions { MinimumRecords = 0 });
            var done = false;
            (wall, cpu) = await MeasureAsync(async () => done = await analytics.CatchUpAsync().ConfigureAwait(false)).ConfigureAwait(false);
            if (!done)
            {
                Console.WriteLine("the catch-up did not complete (the copy could not be written: see its .failed marker)");
            }

            Report("whole catch-up into a new copy (feed + CSV + DuckDB load)", wall, cpu, count);
        }
    }

    private static async Task<(double Wall, double Cpu)> MeasureAsync(Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await work().ConfigureAwait(false);
        return (clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    private static void Report(string what, double wall, double cpu, long count) =>
        Console.WriteLine(FormattableString.Invariant($"{what}: {wall:F2} s wall, {cpu:F2} s CPU, {count / cpu:N0} records/CPU-s ({count:N0} records)"));
}
