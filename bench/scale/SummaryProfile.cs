using System.Diagnostics;
using System.Globalization;
using TokenTrace.Analytics.DuckDb;
using TokenTrace.Sqlite;

namespace TokenTrace.Scale;

/// <summary>
/// Where one summary's time goes inside the process, on an existing home (usage.db and an up-to-date usage.duckdb):
/// opening the ledger, the summary itself (feed position, DuckDB open, catch-up check, query, rows read into the
/// builder), the same rows through a new builder, and writing its JSON to a null stream; each step's wall and process CPU time, repeated to show the warm
/// figure beside the first.
/// </summary>
internal static class SummaryProfile
{
    public static async Task RunAsync(string home, string by, string? projectFilter, string? agentFilter, int repeats)
    {
        var start = Measure();
        var ledger = new SqliteUsageLedger(Path.Combine(home, "usage.db"));
        await using (ledger.ConfigureAwait(false))
        {
            var analytics = new DuckDbAnalyticsLedger(ledger, Path.Combine(home, "usage.duckdb"), new DuckDbAnalyticsOptions { PreferLedgerAggregates = false });
            Report("open the ledger", start);
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            var query = new UsageQuery { Project = projectFilter, Agent = agentFilter };
            for (var i = 0; i < repeats; i++)
            {
                var step = Measure();
                var summary = await analytics.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc).ConfigureAwait(false);
                Report(string.Create(CultureInfo.InvariantCulture, $"summary --by {by} ({summary.Rows.Count} rows), run {i + 1}"), step);

                // The builder's share: the same rows added to a new builder and built again.
                step = Measure();
                var builder = new UsageSummaryBuilder(dimensions, TimeZoneInfo.Utc);
                foreach (var row in summary.Rows)
                {
                    builder.Add([.. dimensions.Select(d => row.Key[d.Name])], row.Totals);
                }

                builder.Build();
                Report("  the same rows through a new builder", step);

                // The JSON the command writes, to a null stream (what standard output costs beyond it is the terminal's).
                step = Measure();
                using (var writer = new System.Text.Json.Utf8JsonWriter(Stream.Null, TokenTrace.Reports.UsageSummaryJson.WriterOptions))
                {
                    TokenTrace.Reports.UsageSummaryJson.Write(writer, summary);
                }

                Report("  its JSON to a null stream", step);
            }
        }
    }

    private static (Stopwatch Clock, TimeSpan Cpu) Measure() => (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);

    private static void Report(string what, (Stopwatch Clock, TimeSpan Cpu) from) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {from.Clock.Elapsed.TotalSeconds:0.000} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - from.Cpu).TotalSeconds:0.000} CPU-s"));
}
