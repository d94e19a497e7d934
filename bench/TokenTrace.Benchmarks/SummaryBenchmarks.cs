using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TokenTrace.Sqlite;

namespace TokenTrace.Benchmarks;

/// <summary><c>summary --by model</c> and <c>--by day</c> over large SQLite ledgers (built once, cached in the temp folder).</summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
public class SummaryBenchmarks
{
    private SqliteUsageLedger _ledger = null!;

    [Params(1_000_000, 10_000_000)]
    public int Records { get; set; }

    [GlobalSetup]
    public void Setup() => _ledger = new SqliteUsageLedger(SyntheticUsage.PopulatedDatabaseAsync(Records).GetAwaiter().GetResult());

    [Benchmark]
    public Task<UsageSummary> ByModel() => _ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc);

    [Benchmark]
    public Task<UsageSummary> ByDayInATimeZone() =>
        _ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Day], TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));
}
