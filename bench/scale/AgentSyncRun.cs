using System.Diagnostics;
using System.Globalization;
using TokenTrace.CodingAgents;
using TokenTrace.Sqlite;

namespace TokenTrace.Scale;

/// <summary>
/// One first sync of a Claude Code corpus through the real pipeline (<see cref="AgentSync"/>, both cores, a new SQLite
/// ledger), with the garbage collector's own figures beside the CPU time: how much of a first sync is collecting, and
/// how many records outlive a young collection (gen 1 and gen 2 counts, promoted bytes).
/// </summary>
internal static class AgentSyncRun
{
    public static async Task RunAsync(string claudeFolder, string scratch, int? filesAhead = null, int? batch = null)
    {
        Directory.CreateDirectory(scratch);
        foreach (var stale in Directory.EnumerateFiles(scratch, "agent-sync*"))
        {
            File.Delete(stale);
        }

        var environment = new AgentEnvironment(scratch, name => name == "CLAUDE_CONFIG_DIR" ? claudeFolder : null);
        var sync = new AgentSync([new ClaudeCodeReader()], environment, new UsageRecordPipeline(), Path.Combine(scratch, "agent-sync.cursors"));
        sync.FilesAhead = filesAhead ?? sync.FilesAhead;
        sync.BatchRecords = batch ?? sync.BatchRecords;

        // The managed heap's and the process's largest sizes while the sync runs (sampled), to tell the GC's share of the
        // peak from SQLite's page cache and the runtime's own.
        long heapPeak = 0, setPeak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var process = Process.GetCurrentProcess();
            while (!sampling.IsCancellationRequested)
            {
                heapPeak = Math.Max(heapPeak, GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes);
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
                process.Refresh();
                setPeak = Math.Max(setPeak, process.WorkingSet64);
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        await using var ledger = new SqliteUsageLedger(Path.Combine(scratch, "agent-sync.db"));
        var (cpu, pause, allocated) = (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var watch = Stopwatch.StartNew();
        var results = await sync.SyncAsync(ledger);
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        await sampling.CancelAsync();
        await sampler;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"files ahead {sync.FilesAhead}, batch {sync.BatchRecords}: managed heap peak {heapPeak / 1048576} MB, working set peak (sampled) {setPeak / 1048576} MB"));
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sync: {results[0].Added} added, {watch.Elapsed.TotalSeconds:0.00} s wall, {used.TotalSeconds:0.00} CPU-s, GC pauses {(GC.GetTotalPauseDuration() - pause).TotalSeconds:0.00} s, "
            + $"collections gen0 {GC.CollectionCount(0) - gen0} gen1 {GC.CollectionCount(1) - gen1} gen2 {GC.CollectionCount(2) - gen2}, "
            + $"allocated {(GC.GetTotalAllocatedBytes() - allocated) / 1048576} MB, last GC promoted {info.PromotedBytes / 1048576} MB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MB"));
    }
}
