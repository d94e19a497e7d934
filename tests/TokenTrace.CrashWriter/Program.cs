using System.Globalization;
using TokenTrace;
using TokenTrace.Sqlite;

// Usage: TokenTrace.CrashWriter sqlite:FILE|jsonl:DIR BATCH_SIZE [ID_PREFIX]
// Appends batch after batch (ids "{prefix}b{batch}-{i}") and prints "acked {batch}" once AppendAsync has returned, until killed.
var (kind, path) = (args[0][..args[0].IndexOf(':', StringComparison.Ordinal)], args[0][(args[0].IndexOf(':', StringComparison.Ordinal) + 1)..]);
var batchSize = int.Parse(args[1], CultureInfo.InvariantCulture);
var prefix = args.Length > 2 ? args[2] : "";
IUsageLedger ledger = kind == "sqlite" ? new SqliteUsageLedger(path) : new JsonlUsageLedger(path);
var start = new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero);
for (var batch = 0; ; batch++)
{
    var records = new List<UsageRecord>(batchSize);
    for (var i = 0; i < batchSize; i++)
    {
        records.Add(new UsageRecord
        {
            Id = $"{prefix}b{batch}-{i}",
            Timestamp = start.AddSeconds(batch), // crosses midnight after an hour of batches: new day files too
            Model = "claude-sonnet-4-5",
            Tokens = new TokenCounts { Input = 1000 + i, Output = 100 },
            CostUsd = 0.001m,
            Attribution = new Attribution { Project = "crash", Job = "job-" + (batch % 7).ToString(CultureInfo.InvariantCulture) },
        });
    }

    await ledger.AppendAsync(records);
    Console.WriteLine("acked " + batch.ToString(CultureInfo.InvariantCulture));
}
