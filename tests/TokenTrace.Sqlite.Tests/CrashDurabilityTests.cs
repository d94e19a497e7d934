using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// A real process appends batches and reports each one it got acknowledged; it is killed with SIGKILL at a random
/// moment. Every acknowledged record must then be in the ledger, and the ledger must check healthy (for JSONL, a torn
/// last line is allowed: it can only be the batch that was never acknowledged).
/// </summary>
public sealed class CrashDurabilityTests
{
    private const int BatchSize = 200;

    private static readonly string CrashWriter = typeof(CrashDurabilityTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CrashWriter").Value!;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("jsonl")]
    public async Task Every_acknowledged_record_survives_a_kill_9(string kind)
    {
        Assert.True(File.Exists(CrashWriter), "the crash writer is built with this project: " + CrashWriter);
        using var temp = new TempDirectory();
        var location = kind == "sqlite" ? temp.File("usage.db") : temp.File("usage");
        var acked = await RunAndKillAsync($"{kind}:{location}", killAfter: Random.Shared.Next(3, 40));

        await using IUsageLedger ledger = kind == "sqlite" ? new SqliteUsageLedger(location) : new JsonlUsageLedger(location);
        var stored = new HashSet<string>(await ledger.ReadAsync(UsageQuery.All).Select(r => r.Id).ToListAsync(), StringComparer.Ordinal);
        var missing = Enumerable.Range(0, acked + 1).SelectMany(b => Enumerable.Range(0, BatchSize).Select(i => $"b{b}-{i}")).Where(id => !stored.Contains(id)).ToList();
        Assert.Empty(missing);

        // Batches are atomic in SQLite; in JSONL the killed batch may be partly written, and never more than one batch.
        Assert.InRange(stored.Count, (acked + 1) * BatchSize, (acked + 2) * BatchSize);
        var health = await ledger.CheckAsync();
        Assert.Equal(stored.Count, health.Records);
        var allowed = kind == "jsonl" ? health.Problems.Where(p => p.Message.StartsWith("torn last line", StringComparison.Ordinal)).ToList() : [];
        Assert.Empty(health.Problems.Except(allowed));
        Assert.True(allowed.Count <= 1, string.Join("; ", allowed));
        if (kind == "sqlite")
        {
            Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
        }
    }

    /// <summary>Starts the writer, waits (on its output, not a clock) for <paramref name="killAfter"/> acknowledged batches, kills it, and returns the last batch it acknowledged.</summary>
    private static async Task<int> RunAndKillAsync(string spec, int killAfter)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CrashWriter);
        start.ArgumentList.Add(spec);
        start.ArgumentList.Add(BatchSize.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var last = -1;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            while (last + 1 < killAfter && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                last = int.Parse(line["acked ".Length..], CultureInfo.InvariantCulture);
            }
        }
        finally
        {
            process.Kill(); // SIGKILL on Unix: no finalizers, no flush, mid-write if the timing says so
        }

        // Lines printed between the kill decision and the kill are acknowledgements too.
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("acked ", StringComparison.Ordinal))
            {
                last = int.Parse(line["acked ".Length..], CultureInfo.InvariantCulture);
            }
        }

        await process.WaitForExitAsync(timeout.Token);
        Assert.True(last + 1 >= killAfter, "the writer stopped early: " + await errors);
        return last;
    }
}
