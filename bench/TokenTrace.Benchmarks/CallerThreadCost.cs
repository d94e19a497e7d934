using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace TokenTrace.Benchmarks;

/// <summary>
/// The caller's thread alone, for <see cref="ChatClientMiddlewareBenchmarks"/>: BenchmarkDotNet's memory diagnoser counts
/// every thread's allocations, including the tracker's writer, which runs beside the caller. This counts only the
/// caller's (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), its CPU time (the thread's own clock, so the writer
/// competing for a core on a small or busy machine does not count) and its wall time, over rounds of 100,000 calls with
/// the queue drained between rounds (unmeasured).
/// </summary>
/// <remarks><c>dotnet bench/TokenTrace.Benchmarks/bin/Release/net10.0/TokenTrace.Benchmarks.dll caller-thread</c></remarks>
internal static partial class CallerThreadCost
{
    private const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID (Linux)
    private const int CallsPerRound = 100_000;
    private const int Rounds = 7;

    public static void Run()
    {
        foreach (var listening in new[] { false, true })
        {
            var bench = new ChatClientMiddlewareBenchmarks { Listening = listening };
            bench.Setup();
            try
            {
                Measure($"Bare (listening: {listening})", bench, bench.Bare);
                Measure($"UseTokenTrace (listening: {listening})", bench, bench.TokenTrace);
                Measure($"UseOpenTelemetry (listening: {listening})", bench, bench.OpenTelemetry);
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }

    private static void Measure(string name, ChatClientMiddlewareBenchmarks bench, Func<Task<ChatResponse>> call)
    {
        var cpu = new double[Rounds];
        var nanoseconds = new double[Rounds];
        var bytes = new double[Rounds];
        for (var round = -1; round < Rounds; round++)
        {
            bench.Drain();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = ThreadCpuNanoseconds();
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < CallsPerRound; i++)
            {
                // Every call completes synchronously (the inner client answers at once), so this is the caller's path.
                call().GetAwaiter().GetResult();
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var cpuUsed = ThreadCpuNanoseconds() - cpuBefore;
            if (round >= 0)
            {
                // Round -1 warms up (JIT tiers, price resolution cache).
                nanoseconds[round] = elapsed.TotalNanoseconds / CallsPerRound;
                cpu[round] = (double)cpuUsed / CallsPerRound;
                bytes[round] = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / CallsPerRound;
            }
        }

        Array.Sort(cpu);
        Array.Sort(nanoseconds);
        Array.Sort(bytes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-40} CPU median {cpu[Rounds / 2],6:F0} ns/call (min {cpu[0]:F0}, max {cpu[^1]:F0})   wall median {nanoseconds[Rounds / 2],6:F0} ns/call   {bytes[Rounds / 2],5:F0} B/call on the caller's thread"));
    }

    private static long ThreadCpuNanoseconds() =>
        ClockGetTime(ThreadCpuClock, out var time) == 0 ? (time.Seconds * 1_000_000_000L) + time.Nanoseconds : throw new InvalidOperationException("clock_gettime failed");

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
