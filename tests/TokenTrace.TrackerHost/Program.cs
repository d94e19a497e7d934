using System.Globalization;
using TokenTrace;
using TokenTrace.TrackerHost;

// tokentrace-tracker-host LEDGER_DIR SPILL_DIR PREFIX COUNT QUEUE FAIL_RATE REPORT_EVERY
// Records COUNT calls as fast as it can into a JSONL ledger through a TokenTracker, printing "accepted N" after every
// REPORT_EVERY records (N records have returned from Record) and "done" after disposing.
var ledgerDirectory = args[0];
var spill = args[1];
var prefix = args[2];
var count = long.Parse(args[3], CultureInfo.InvariantCulture);
var queue = int.Parse(args[4], CultureInfo.InvariantCulture);
var failRate = double.Parse(args[5], CultureInfo.InvariantCulture);
var reportEvery = long.Parse(args[6], CultureInfo.InvariantCulture);

IUsageLedger ledger = new JsonlUsageLedger(ledgerDirectory);
if (failRate > 0)
{
    ledger = new FlakyLedger(ledger, failRate * 2 / 3, failRate / 3, Environment.ProcessId);
}

var options = new TokenTrackerOptions
{
    Batching = { QueueCapacity = queue, SpillDirectory = spill, MaxWriteAttempts = 2, RetryDelay = TimeSpan.Zero, ExitGracePeriod = TimeSpan.FromSeconds(2) },
};
var tracker = new TokenTracker(ledger, options);
var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
Console.Out.Flush();
for (long i = 0; i < count; i++)
{
    tracker.Record(new UsageRecord
    {
        Id = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i}"),
        Timestamp = at,
        Model = "gpt-4o",
        Tokens = new TokenCounts { Input = 10, Output = 1 },
    });
    if ((i + 1) % reportEvery == 0)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accepted {i + 1}"));
        Console.Out.Flush();
    }
}

await tracker.DisposeAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {tracker.Statistics.Spilled} {tracker.Statistics.Lost}"));
