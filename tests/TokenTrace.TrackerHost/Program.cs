using System.Globalization;
using TokenTrace;
using TokenTrace.TrackerHost;

// TokenTrace.TrackerHost LEDGER_DIR SPILL_DIR PREFIX COUNT QUEUE FAIL_RATE REPORT_EVERY
// Records COUNT calls as fast as it can into a JSONL ledger through a TokenTracker, printing "accepted N" after every
// REPORT_EVERY records (N records have returned from Record) and "done SPILLED LOST" after disposing.
// QUEUE "default" and FAIL_RATE 0 keep the tracker's default options (only the spill folder is set, for isolation).
var ledgerDirectory = args[0];
var spill = args[1];
var prefix = args[2];
var count = long.Parse(args[3], CultureInfo.InvariantCulture);
int? queue = args[4] == "default" ? null : int.Parse(args[4], CultureInfo.InvariantCulture);
var failRate = double.Parse(args[5], CultureInfo.InvariantCulture);
var reportEvery = long.Parse(args[6], CultureInfo.InvariantCulture);

IUsageLedger ledger = new JsonlUsageLedger(ledgerDirectory);
if (failRate > 0)
{
    ledger = new FlakyLedger(ledger, failRate * 2 / 3, failRate / 3, Environment.ProcessId);
}

var options = new TokenTrackerOptions { Batching = { SpillDirectory = spill } };
if (queue is { } capacity)
{
    options.Batching.QueueCapacity = capacity;
}

if (failRate > 0)
{
    options.Batching.MaxWriteAttempts = 2;
    options.Batching.RetryDelay = TimeSpan.Zero;
}

var tracker = new TokenTracker(ledger, options);
var at = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
Console.WriteLine("started");
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
