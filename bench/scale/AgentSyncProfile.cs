using System.Diagnostics;
using System.Globalization;
using TokenTrace.CodingAgents;
using TokenTrace.Sqlite;

namespace TokenTrace.Scale;

/// <summary>
/// Where a first coding-agent sync's time goes, stage by stage on one thread: scanning the lines of every Claude Code
/// file without parsing them; reading them into records (<see cref="ClaudeCodeReader"/>); the pipeline's
/// <c>Prepare</c> (price, energy); and appending the prepared records to a new SQLite ledger in batches of
/// <see cref="AgentSync.BatchSize"/>, as <c>tokentrace sync</c> does.
/// </summary>
internal static class AgentSyncProfile
{
    public static async Task RunAsync(string claudeFolder, string scratch)
    {
        var reader = new ClaudeCodeReader();
        var files = reader.FindFiles(Path.Combine(claudeFolder, "projects")).ToList();
        long bytes = 0;
        Measure("read the bytes, count newlines", files.Count, () =>
        {
            var buffer = new byte[1 << 20];
            foreach (var file in files)
            {
                using var stream = File.OpenRead(file);
                int got;
                while ((got = stream.Read(buffer)) > 0)
                {
                    bytes += got;
                    _ = buffer.AsSpan(0, got).Count((byte)'\n');
                }
            }
        });

        // The reader's sub-steps, each on its own, so the difference between two lines is what the later step adds.
        Measure("JsonLineScanner.Scan (lines found, nothing done)", files.Count, () =>
        {
            foreach (var file in files)
            {
                JsonLineScanner.Scan(new AgentFileRead(file), static (_, _, _) => { });
            }
        });

        long withUsage = 0, usageBytes = 0;
        Measure("  + reject lines without \"usage\" (IndexOf)", files.Count, () =>
        {
            foreach (var file in files)
            {
                JsonLineScanner.Scan(new AgentFileRead(file), (line, _, _) =>
                {
                    if (line.IndexOf("\"usage\""u8) >= 0)
                    {
                        withUsage++;
                        usageBytes += line.Length;
                    }
                });
            }
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"",-55} {withUsage} lines with usage, {usageBytes / 1048576.0:0.0} MB"));

        Measure("  + ClaudeLine.Parse of those lines (no records)", files.Count, () =>
        {
            foreach (var file in files)
            {
                var strings = new RepeatedStrings(ClaudeLine.RepeatedFields);
                JsonLineScanner.Scan(new AgentFileRead(file), (line, _, _) =>
                {
                    if (line.IndexOf("\"usage\""u8) >= 0)
                    {
                        try
                        {
                            _ = ClaudeLine.Parse(line, strings);
                        }
                        catch (System.Text.Json.JsonException)
                        {
                        }
                        catch (UsageFormatException)
                        {
                        }
                    }
                });
            }
        });

        var records = new List<UsageRecord>();
        Measure("ClaudeCodeReader.Read (scan + parse lines with usage)", files.Count, () =>
        {
            foreach (var file in files)
            {
                var read = new AgentFileRead(file);
                reader.Read(read);
                records.AddRange(read.Records);
            }
        });

        var pipeline = new UsageRecordPipeline();
        var prepared = new UsageRecord[records.Count];
        Measure("UsageRecordPipeline.Accept (validate, attribute, price)", records.Count, () =>
        {
            for (var i = 0; i < records.Count; i++)
            {
                prepared[i] = pipeline.Accept(records[i]);
            }
        });
        Measure("UsageRecordPipeline.Estimate (energy, CO2e)", records.Count, () =>
        {
            for (var i = 0; i < records.Count; i++)
            {
                prepared[i] = pipeline.Estimate(prepared[i]);
            }
        });

        var unique = prepared.DistinctBy(r => r.Id).ToList();
        var keys = unique.Chunk(AgentSync.BatchSize)
            .Select(batch => batch.Select(r => (r.Timestamp.UtcTicks / TimeSpan.TicksPerHour, r.Model, r.Provider, r.Source, r.Region)).Distinct().Count());
        Console.WriteLine("rollup keys per batch: " + string.Join(", ", keys));
        Directory.CreateDirectory(scratch);
        var path = Path.Combine(scratch, "agent-profile.db");
        foreach (var stale in Directory.EnumerateFiles(scratch, "agent-profile.db*"))
        {
            File.Delete(stale);
        }

        await using var ledger = new SqliteUsageLedger(path);
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        foreach (var batch in unique.Chunk(AgentSync.BatchSize))
        {
            await ledger.AppendAsync(batch);
        }

        Report("SqliteUsageLedger.AppendAsync", unique.Count, watch.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"",-55} allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) / (double)unique.Count,8:0} bytes each (all threads)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files.Count} files, {bytes / 1048576.0:0.0} MB, {records.Count} records read, {unique.Count} unique"));
    }

    private static void Measure(string what, int count, Action work)
    {
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        work();
        Report(what, count, watch.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"",-55} allocated {(GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)count,8:0} bytes each"));
    }

    private static void Report(string what, int count, TimeSpan wall, TimeSpan cpu) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-55} {wall.TotalSeconds,7:0.000} s wall {cpu.TotalSeconds,7:0.000} CPU-s  {cpu.TotalMicroseconds / Math.Max(1, count),8:0.00} CPU-µs each ({count})"));
}
