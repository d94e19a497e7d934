using System.Diagnostics;
using System.Globalization;
using TokenTrace.PostgreSql;

namespace TokenTrace.Scale;

/// <summary>
/// A rough ingest figure for the PostgreSQL ledger (docs/architecture/performance.md, "PostgreSQL ledger (issue 14)"):
/// N generated records (priced and estimated, every field filled as an import fills it) appended in batches through
/// binary COPY and the idempotent merge, then the same batches again (all duplicates), then two summaries.
/// </summary>
internal static class PostgreSqlIngest
{
    public static async Task RunAsync(string url, long count, int batchSize, string scratch)
    {
        Directory.CreateDirectory(scratch);
        var file = Path.Combine(scratch, string.Create(CultureInfo.InvariantCulture, $"pg-ingest-{count}.jsonl"));
        if (!File.Exists(file))
        {
            new LedgerGenerator(count).Write(file);
        }

        var pipeline = new UsageRecordPipeline();
        var records = UsageRecordFile.ReadEntries(file).Select(e => pipeline.Prepare(e.Record!)).ToList();
        await using var ledger = new PostgreSqlUsageLedger(url);

        // Creates the schema before the clock starts; the monthly partitions are made inside the timed run, as in use.
        _ = await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc);

        foreach (var pass in new[] { "new records", "same records again (all duplicates)" })
        {
            var clock = Stopwatch.StartNew();
            var result = default(AppendResult);
            foreach (var batch in records.Chunk(batchSize))
            {
                result += await ledger.AppendAsync(batch);
            }

            clock.Stop();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{pass}: {records.Count:N0} in batches of {batchSize:N0}: {clock.Elapsed.TotalSeconds:0.00} s, {records.Count / clock.Elapsed.TotalSeconds:N0} records/s (added {result.Added:N0}, duplicates {result.Duplicates:N0})"));
        }

        foreach (var by in new[] { "model", "day,project" })
        {
            var clock = Stopwatch.StartNew();
            var summary = await ledger.SummarizeAsync(UsageQuery.All, [.. by.Split(',').Select(SummaryDimension.Parse)], TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"summary --by {by}: {clock.Elapsed.TotalMilliseconds:N0} ms, {summary.Rows.Count:N0} rows, {summary.Total.Records:N0} records, ${summary.Total.CostUsd:N2}"));
        }
    }
}
