using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// Four real processes append to one JSONL ledger while its lock file is deleted over and over, so they write without
/// excluding each other: appends go through O_APPEND, so no acknowledged record is overwritten and no line is torn.
/// </summary>
public sealed class LostLockTests
{
    private const int BatchSize = 50;
    private const int Writers = 4;

    private static readonly string CrashWriter = typeof(LostLockTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CrashWriter").Value!;

    [Fact]
    public async Task Appenders_without_the_lock_file_lose_and_tear_no_acknowledged_line()
    {
        using var temp = new TempDirectory();
        var root = temp.File("usage");
        var processes = new List<(Process Process, string Prefix)>();
        for (var w = 0; w < Writers; w++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(CrashWriter);
            start.ArgumentList.Add("jsonl:" + root);
            start.ArgumentList.Add(BatchSize.ToString(CultureInfo.InvariantCulture));
            var prefix = string.Create(CultureInfo.InvariantCulture, $"w{w}-");
            start.ArgumentList.Add(prefix);
            processes.Add((Process.Start(start)!, prefix));
        }

        var firstAcks = processes.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var readers = processes.Select((p, w) => ReadAcksAsync(p.Process, firstAcks[w])).ToList();
        var errors = processes.Select(p => p.Process.StandardError.ReadToEndAsync()).ToList();

        // Start taking the lock away once every writer is appending (a cold start on a loaded machine takes seconds).
        await Task.WhenAll(firstAcks.Select(a => a.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        var lockFile = Path.Combine(root, ".lock");
        var until = DateTime.UtcNow.AddSeconds(4);
        while (DateTime.UtcNow < until)
        {
            try
            {
                File.Delete(lockFile); // every writer that opens it next gets a lock of its own
            }
            catch (IOException)
            {
            }

            await Task.Delay(1);
        }

        foreach (var (process, _) in processes)
        {
            process.Kill();
        }

        var acked = await Task.WhenAll(readers);
        var errorText = await Task.WhenAll(errors);
        foreach (var (process, _) in processes)
        {
            await process.WaitForExitAsync();
            process.Dispose();
        }

        for (var w = 0; w < Writers; w++)
        {
            Assert.True(acked[w] >= 0, $"writer {w} acknowledged nothing: {errorText[w]}");
        }
        var ledger = new JsonlUsageLedger(root);
        var stored = new HashSet<string>(await ledger.ReadAsync(UsageQuery.All).Select(r => r.Id).ToListAsync(), StringComparer.Ordinal);
        for (var w = 0; w < Writers; w++)
        {
            var prefix = processes[w].Prefix;
            var missing = Enumerable.Range(0, acked[w] + 1).SelectMany(b => Enumerable.Range(0, BatchSize).Select(i => $"{prefix}b{b}-{i}")).Where(id => !stored.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"writer {w} lost {missing.Count} acknowledged records, e.g. {string.Join(", ", missing.Take(3))}");
        }

        // Only a batch cut by the kill may be torn: at most one per writer, and never an acknowledged one (checked above).
        var health = await ledger.CheckAsync();
        Assert.True(health.Problems.Count <= Writers, string.Join("; ", health.Problems));
    }

    private static async Task<int> ReadAcksAsync(Process process, TaskCompletionSource firstAck)
    {
        var last = -1;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("acked ", StringComparison.Ordinal))
            {
                last = int.Parse(line["acked ".Length..], CultureInfo.InvariantCulture);
                firstAck.TrySetResult();
            }
        }

        firstAck.TrySetResult();
        return last;
    }
}
