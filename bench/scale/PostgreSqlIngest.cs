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
    public static async Task RunAsync(string url, long count, int batchSize, string scratch, long? catchUpAfter = null, bool summaries = true)
    {
        Directory.CreateDirectory(scratch);
        var file = Path.Combine(scratch, string.Create(CultureInfo.InvariantCulture, $"pg-ingest-{count}.jsonl"));
        if (!File.Exists(file))
        {
            new LedgerGenerator(count).Write(file);
        }

        var pipeline = new UsageRecordPipeline();
        var records = UsageRecordFile.ReadEntries(file).Select(e => pipeline.Prepare(e.Record!)).ToList();
        // --catch-up-after: how many records past the watermark an append lets pass before it folds them (schema 4); a
        // number above --records leaves every fold to the timed catch-up after the appends, so the two are measured apart.
        await using var ledger = catchUpAfter is { } after ? new PostgreSqlUsageLedger(url) { CatchUpAfter = after } : new PostgreSqlUsageLedger(url);

        // Creates the schema before the clock starts; the monthly partitions are made inside the timed run, as in use.
        _ = await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc);

        var postmaster = await PostmasterAsync(url);
        foreach (var pass in new[] { "new records", "same records again (all duplicates)" })
        {
            var client = Process.GetCurrentProcess().TotalProcessorTime;
            var server = ServerCpuSeconds(postmaster);
            var clock = Stopwatch.StartNew();
            var result = default(AppendResult);
            foreach (var batch in records.Chunk(batchSize))
            {
                result += await ledger.AppendAsync(batch);
            }

            clock.Stop();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{pass}: {records.Count:N0} in batches of {batchSize:N0}: {clock.Elapsed.TotalSeconds:0.00} s, {records.Count / clock.Elapsed.TotalSeconds:N0} records/s (added {result.Added:N0}, duplicates {result.Duplicates:N0}); CPU client {(Process.GetCurrentProcess().TotalProcessorTime - client).TotalSeconds:0.00} s, server {ServerCpuSeconds(postmaster) - server:0.00} s"));

            // Schema 4: the appends fold the rollups only every CatchUpAfter records; what they left is folded here, timed
            // apart, so that appends + this step is the whole cost of storing and summing the records.
            var folding = ServerCpuSeconds(postmaster);
            clock.Restart();
            var folded = await ledger.CatchUpRollupsAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  catch-up of the rollups after it: {folded:N0} records folded in {clock.Elapsed.TotalSeconds:0.00} s; CPU server {ServerCpuSeconds(postmaster) - folding:0.00} s"));
        }

        if (summaries)
        {
            await SummariesAsync(ledger);
        }
    }

    /// <summary>
    /// The summaries of the 10 M check, each from the rollups and from the rows alone (the ledger's row path, which no
    /// rollup answers), and whether they agree: every shape the rollups serve, over the whole ledger in UTC, and ranges
    /// off day and month edges (a trend of 90 days up to 10:30, a half-year in Paris) that mix months, days and rows.
    /// </summary>
    public static async Task SummariesAsync(PostgreSqlUsageLedger ledger, string? only = null, bool rows = true)
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var end = new DateTimeOffset(LedgerGenerator.Start.AddYears(1).AddDays(-10).AddHours(10.5), TimeSpan.Zero);
        var trend = new UsageQuery { Since = end.AddDays(-90), Until = end };
        var halfYear = new UsageQuery { Since = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)), Until = new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.FromHours(2)) };
        var shapes = new (string By, UsageQuery Query, TimeZoneInfo Zone, string Label)[]
        {
            ("model", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("provider", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("day,model", UsageQuery.All, paris, "all, Paris"),
            ("project", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("agent", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("job", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("user", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("job,month", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("day", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("day,project", UsageQuery.All, TimeZoneInfo.Utc, "all, UTC"),
            ("job", trend, TimeZoneInfo.Utc, "90 days to 10:30, UTC"),
            ("user", trend, TimeZoneInfo.Utc, "90 days to 10:30, UTC"),
            ("model", trend, TimeZoneInfo.Utc, "90 days to 10:30, UTC"),
            ("job", halfYear, paris, "Jan-Jun of Paris"),
        };
        foreach (var (by, query, zone, label) in shapes.Where(s => only is null || only.Split(';').Contains(s.By, StringComparer.Ordinal)))
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            var clock = Stopwatch.StartNew();
            var summary = await ledger.SummarizeAsync(query, dimensions, zone);
            var fromSums = clock.Elapsed;
            clock.Restart();
            var fromRows = rows ? await ledger.SummarizeRowsAsync(query, dimensions, zone) : summary;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"summary --by {by} ({label}): {(ledger.CanSummarizeFromAggregates(query, dimensions, zone) ? "rollup" : "rows")} {fromSums.TotalMilliseconds:N0} ms, rows {clock.Elapsed.TotalMilliseconds:N0} ms; {summary.Rows.Count:N0} groups, {summary.Total.Records:N0} records, ${summary.Total.CostUsd:N2}; same groups, counts and costs: {Same(summary, fromRows)}"));
        }
    }

    private static bool Same(UsageSummary a, UsageSummary b)
    {
        static IEnumerable<string> Lines(UsageSummary s) => s.Rows
            .Select(r => string.Join("|", r.Key.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Value ?? "-")) + string.Create(CultureInfo.InvariantCulture,
                $"|{r.Totals.Records}|{r.Totals.InputTokens}|{r.Totals.OutputTokens}|{r.Totals.CacheReadTokens}|{r.Totals.CacheWrite5mTokens}|{r.Totals.ReasoningTokens}|{r.Totals.CostUsd}|{r.Totals.UnpricedRecords}|{r.Totals.EstimatedRecords}"))
            .Order(StringComparer.Ordinal);
        return Lines(a).SequenceEqual(Lines(b));
    }

    /// <summary>The server's postmaster, when it runs on this machine: the parent of this connection's backend.</summary>
    private static async Task<int?> PostmasterAsync(string url)
    {
        // A bench URL is plain (postgres://user@host:port/database, password from PGPASSWORD or ~/.pgpass).
        var uri = new Uri(url);
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = uri.Host, Port = uri.Port > 0 ? uri.Port : 5432, Username = uri.UserInfo.Split(':')[0], Database = uri.AbsolutePath.TrimStart('/'),
        }.ConnectionString;
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = (int)(await command.ExecuteScalarAsync())!;
        var status = $"/proc/{backend}/status";
        if (!File.Exists(status))
        {
            return null;
        }

        var line = File.ReadLines(status).First(l => l.StartsWith("PPid:", StringComparison.Ordinal));
        return int.Parse(line["PPid:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// CPU seconds of the whole server so far: the postmaster's own and its ended children's (cutime, cstime: the
    /// backends of closed connections), plus its living children's (backends, WAL writer, checkpointer).
    /// </summary>
    private static double ServerCpuSeconds(int? postmaster)
    {
        if (postmaster is not { } pid)
        {
            return double.NaN;
        }

        const double TicksPerSecond = 100; // USER_HZ on Linux
        long total = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            try
            {
                // Fields after the command name (which is in parentheses and may hold spaces): state is field 3.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (candidate == pid || parent == pid)
                {
                    total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    if (candidate == pid)
                    {
                        total += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The process ended while being read: its time is in the postmaster's cutime now.
            }
        }

        return total / TicksPerSecond;
    }
}
