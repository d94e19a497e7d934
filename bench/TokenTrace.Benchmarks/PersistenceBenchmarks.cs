using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TokenTrace.Sqlite;

namespace TokenTrace.Benchmarks;

/// <summary>
/// Batched appends to a fresh ledger: records per second is <c>BatchSize / Mean</c>. The one-record appends show the
/// price of durability, one flush to disk per acknowledged append.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
public class PersistenceBenchmarks
{
    private const int SingleAppends = 200;
    private List<UsageRecord> _records = null!;
    private string _directory = null!;
    private int _round;

    [Params(10_000, 100_000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _records = [.. SyntheticUsage.Records(BatchSize, seed: 3, idPrefix: "p-")];
        _directory = Path.Combine(Path.GetTempPath(), "tokentrace-bench-append-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark]
    public async Task<AppendResult> AppendBatchToSqlite()
    {
        var ledger = new SqliteUsageLedger(Path.Combine(_directory, $"usage-{_round++}.db"));
        return await ledger.AppendAsync(_records);
    }

    [Benchmark]
    public async Task<AppendResult> AppendBatchToJsonl()
    {
        var ledger = new JsonlUsageLedger(Path.Combine(_directory, $"jsonl-{_round++}"));
        return await ledger.AppendAsync(_records);
    }

    [Benchmark(OperationsPerInvoke = SingleAppends)]
    public async Task<AppendResult> AppendOneRecordToSqlite()
    {
        await using var ledger = new SqliteUsageLedger(Path.Combine(_directory, $"single-{_round++}.db"));
        await ledger.AppendAsync(_records.GetRange(0, 1)); // creates the file and schema outside the measured appends' share
        var result = default(AppendResult);
        for (var i = 1; i <= SingleAppends; i++)
        {
            result += await ledger.AppendAsync(_records.GetRange(i, 1));
        }

        return result;
    }

    [Benchmark(OperationsPerInvoke = SingleAppends)]
    public async Task<AppendResult> AppendOneRecordToJsonl()
    {
        var ledger = new JsonlUsageLedger(Path.Combine(_directory, $"single-jsonl-{_round++}"));
        await ledger.AppendAsync(_records.GetRange(0, 1));
        var result = default(AppendResult);
        for (var i = 1; i <= SingleAppends; i++)
        {
            result += await ledger.AppendAsync(_records.GetRange(i, 1));
        }

        return result;
    }
}
