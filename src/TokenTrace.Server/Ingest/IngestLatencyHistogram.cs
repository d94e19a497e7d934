using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TokenTrace.Server;

/// <summary>
/// How long <c>POST /v1/records</c> takes on the server, from the handler's start to its answer written (parsing, pricing,
/// the ledger's append): the Prometheus histogram <c>tokentrace_server_ingest_seconds</c>. Server-side on purpose: it
/// is what an operator can watch in production, and what the load test (bench/TokenTrace.LoadTest) reads its p50/p99
/// from. The buckets are closer together than Prometheus's defaults (neighbours at most ×2 apart, mostly ×1.5) so a
/// quantile interpolated inside one is close to the true value anywhere from 1 ms to 30 s. OTLP exports
/// (<c>/v1/traces</c>, <c>/v1/metrics</c>) have their own, <c>tokentrace_server_otlp_ingest_seconds</c>.
/// </summary>
internal sealed class IngestLatencyHistogram(string name, string help)
{
    /// <summary>The name of <c>POST /v1/records</c>'s histogram in the exposition.</summary>
    public const string RecordsName = "tokentrace_server_ingest_seconds";

    /// <summary>The name of the OTLP exports' histogram in the exposition.</summary>
    public const string OtlpName = "tokentrace_server_otlp_ingest_seconds";

    /// <summary>Upper bounds, in seconds, of the buckets (the last, +Inf, is implied).</summary>
    internal static readonly double[] Bounds =
        [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 30];

    private readonly long[] _counts = new long[Bounds.Length + 1];
    private long _sumTicks;

    /// <summary>Runs <paramref name="handler"/> and records how long it took, whatever its outcome.</summary>
    public async Task TimeAsync(RequestDelegate handler, HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        finally
        {
            Observe(Stopwatch.GetElapsedTime(start));
        }
    }

    /// <summary>Counts one request that took <paramref name="elapsed"/>.</summary>
    public void Observe(TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var bucket = 0;
        while (bucket < Bounds.Length && seconds > Bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumTicks, elapsed.Ticks);
    }

    /// <summary>Appends the histogram in the Prometheus text format (cumulative buckets, sum and count).</summary>
    public void WriteTo(StringBuilder text)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
        long cumulative = 0;
        for (var i = 0; i <= Bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            var bound = i < Bounds.Length ? Bounds[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{bound}\"}} {cumulative}\n");
        }

        var sum = TimeSpan.FromTicks(Interlocked.Read(ref _sumTicks)).TotalSeconds;
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum {sum.ToString("R", CultureInfo.InvariantCulture)}\n{name}_count {cumulative}\n");
    }
}
