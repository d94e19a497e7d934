using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TokenTrace.Sqlite;

namespace TokenTrace.Benchmarks;

/// <summary>
/// The two halves of <c>tokentrace import</c> (issue 10): the batched SQLite writer as import drives it (transactions of
/// 20,000 records into a fresh ledger; records per second is <see cref="Records"/> / Mean) and reading a JSON lines
/// export into records. Whole-process figures are in docs/architecture/performance.md, "Ingest (issue 10)".
/// </summary>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
public class IngestBenchmarks
{
    private const int Records = 200_000;
    private const int TransactionSize = 20_000;
    private List<UsageRecord> _records = null!;
    private string _directory = null!;
    private string _jsonl = null!;
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _records = [.. SyntheticUsage.Records(Records, seed: 10, idPrefix: "i-")];
        _directory = Path.Combine(Path.GetTempPath(), "tokentrace-bench-ingest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _jsonl = Path.Combine(_directory, "export.jsonl");
        var buffer = new ArrayBufferWriter<byte>();
        using var file = File.Create(_jsonl);
        foreach (var record in _records)
        {
            UsageRecordJson.WriteLine(buffer, record);
            if (buffer.WrittenCount > 1 << 20)
            {
                file.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        file.Write(buffer.WrittenSpan);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<AppendResult> WriteToSqliteInImportTransactions()
    {
        await using var ledger = new SqliteUsageLedger(Path.Combine(_directory, $"usage-{_round++}.db"));
        var result = default(AppendResult);
        for (var start = 0; start < _records.Count; start += TransactionSize)
        {
            result += await ledger.AppendAsync(_records.GetRange(start, Math.Min(TransactionSize, _records.Count - start)));
        }

        return result;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long ReadJsonLines()
    {
        long input = 0;
        foreach (var (record, _) in UsageRecordFile.ReadEntries(_jsonl))
        {
            input += record!.Tokens.Input;
        }

        return input;
    }
}
