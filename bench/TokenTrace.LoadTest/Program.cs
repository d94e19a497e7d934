using System.Globalization;
using TokenTrace.LoadTest;

// dotnet run -c Release --project bench/TokenTrace.LoadTest -- [--pushers 8] [--records 100000] [--batch 5000]
//     [--kill-after N (default: half of all)] [--ledger postgres://…] [--work DIR] [--no-time]
// See bench/TokenTrace.LoadTest/README.md.
var options = Args(args);
var pushers = Int(options, "--pushers", 8);
var records = Int(options, "--records", 100_000);
var work = options.GetValueOrDefault("--work") ?? Path.Combine(Path.GetTempPath(), "tokentrace-load-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
if (Directory.Exists(work) && Directory.EnumerateFileSystemEntries(work).Any())
{
    Console.Error.WriteLine($"{work} is not empty: the load test needs fresh ledgers and cursors");
    return 2;
}

var settings = new LoadRunSettings(
    pushers,
    records,
    Int(options, "--batch", 5_000),
    options.TryGetValue("--kill-after", out var kill) ? long.Parse(kill, NumberStyles.None, CultureInfo.InvariantCulture) : (long)pushers * records / 2,
    work,
    Path.Combine(AppContext.BaseDirectory, "TokenTrace.Cli.dll"),
    options.GetValueOrDefault("--ledger"),
    TimeServer: !options.ContainsKey("--no-time") && File.Exists("/usr/bin/time"));

var loadBefore = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
var result = await new LoadRun(settings).RunAsync(line => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}"), CancellationToken.None);
var loadAfter = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

var pushed = result.Receipts.Sum(r => r.Pushed);
var stored = result.Receipts.Sum(r => r.Stored);
var duplicates = result.Receipts.Sum(r => r.Duplicates);
var failed = result.Receipts.Where(r => r.ExitCode != 0).ToList();
var ok = failed.Count == 0 && result.Rows == result.Expected && result.DistinctIds == result.Expected;
Console.WriteLine();
Console.WriteLine($"| figure | value |");
Console.WriteLine($"|---|---|");
Row("pushers × records", $"{pushers} × {records:N0} = {result.Expected:N0}, batches of {settings.BatchSize:N0}");
Row("server ledger", settings.ServerLedger is null ? "SQLite (new file)" : "PostgreSQL");
Row("rows in the server's ledger / distinct ids", $"{result.Rows:N0} / {result.DistinctIds:N0} {(ok ? "✔" : "✘")}");
Row("push receipts: sent / newly stored / already held", $"{pushed:N0} / {stored:N0} / {duplicates:N0}");
Row("pushers failed", failed.Count == 0 ? "0" : string.Join("; ", failed.Select(f => $"{f.Device}: exit {f.ExitCode}: {f.Error}")));
Row("kill", $"SIGKILL after the log counted {result.StoredBeforeKill:N0} stored; {result.RunningAtKill} of {pushers} pushers running");
Row("outage (kill → listening again)", $"{result.Outage.TotalSeconds:F1} s");
Row("after the restart: stored / duplicates", $"{result.StoredAfterRestart:N0} / {result.DuplicatesAfterRestart:N0}");
Row("wall time (pushers' start → last exit, outage included)", $"{result.Elapsed.TotalSeconds:F1} s");
Row("records/s (outage included)", $"{result.Expected / result.Elapsed.TotalSeconds:N0}");
Row("records/s (outage excluded)", $"{result.Expected / (result.Elapsed - result.Outage).TotalSeconds:N0}");
Row("POST /v1/records counted (both runs)", $"{result.Latency.Count:N0}");
Row("ingest p50 / p99 / mean (server side)", $"{Ms(result.Latency.Quantile(0.5))} / {Ms(result.Latency.Quantile(0.99))} / {Ms(result.Latency.Count == 0 ? double.NaN : result.Latency.Sum / result.Latency.Count)}");
Row("requests per bucket (le seconds: count)", string.Join(", ", result.Latency.Buckets.Select((b, i) => (b.Bound, Count: b.Cumulative - (i == 0 ? 0 : result.Latency.Buckets[i - 1].Cumulative)))
    .Where(b => b.Count > 0).Select(b => $"{(double.IsPositiveInfinity(b.Bound) ? "+Inf" : b.Bound.ToString(CultureInfo.InvariantCulture))}: {b.Count}")));
foreach (var (file, run) in result.TimeFiles.Select((f, i) => (f, i + 1)))
{
    var time = File.ReadAllText(file);
    Row($"server run {run}: peak RSS / CPU user+sys", $"{Kb(time, "Maximum resident set size") / 1024.0:N0} MB / {Seconds(time, "User time") + Seconds(time, "System time"):F1} CPU-s ({Line(time, "Command terminated by signal") ?? Line(time, "Exit status")})");
}

Row("load average before / after (1, 5, 15 min)", $"{string.Join(' ', loadBefore.Split(' ').Take(3))} / {string.Join(' ', loadAfter.Split(' ').Take(3))}");
Console.WriteLine();
Console.WriteLine($"work folder: {work}");
return ok ? 0 : 1;

static void Row(string name, string value) => Console.WriteLine($"| {name} | {value} |");

static string Ms(double seconds) => double.IsNaN(seconds) ? "n/a" : (seconds * 1000).ToString("N0", CultureInfo.InvariantCulture) + " ms";

static string? Line(string text, string label) => text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(label, StringComparison.Ordinal));

static double Seconds(string text, string label) =>
    Line(text, label) is { } line ? double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture) : double.NaN;

static double Kb(string text, string label) => Seconds(text, label);

static int Int(Dictionary<string, string> options, string name, int fallback) =>
    options.TryGetValue(name, out var value) ? int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) : fallback;

static Dictionary<string, string> Args(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i++)
    {
        options[args[i]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
    }

    return options;
}
