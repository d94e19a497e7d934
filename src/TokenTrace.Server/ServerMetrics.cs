using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace TokenTrace.Server;

/// <summary>
/// The server's own counters, exposed at <c>/metrics</c> in the Prometheus text format: a handful of counters do not need
/// a metrics SDK, and hand-writing them keeps the server free of reflection (it is published with Native AOT).
/// </summary>
internal sealed class ServerMetrics
{
    private readonly ConcurrentDictionary<int, long> _requestsByStatus = new();
    private long _stored;
    private long _duplicates;
    private long _rejected;
    private long _otlpSkipped;

    /// <summary>How long ingest requests take (<c>tokentrace_server_ingest_seconds</c>).</summary>
    public IngestLatencyHistogram IngestLatency { get; } = new(IngestLatencyHistogram.RecordsName, "Time to answer POST /v1/records, from the handler's start to its answer.");

    /// <summary>How long OTLP exports take (<c>tokentrace_server_otlp_ingest_seconds</c>).</summary>
    public IngestLatencyHistogram OtlpLatency { get; } = new(IngestLatencyHistogram.OtlpName, "Time to answer POST /v1/traces and /v1/metrics (OTLP/HTTP), from the handler's start to its answer.");

    public void Ingested(int stored, int duplicates, int rejected)
    {
        Interlocked.Add(ref _stored, stored);
        Interlocked.Add(ref _duplicates, duplicates);
        Interlocked.Add(ref _rejected, rejected);
    }

    /// <summary>Spans and metric points received over OTLP that carried no token usage (not records, not errors).</summary>
    public void OtlpSkipped(long count) => Interlocked.Add(ref _otlpSkipped, count);

    public void Answered(int status) => _requestsByStatus.AddOrUpdate(status, 1, (_, n) => n + 1);

    public string Exposition()
    {
        var text = new StringBuilder();
        Counter(text, "tokentrace_server_records_stored_total", "Records received and stored.", Interlocked.Read(ref _stored));
        Counter(text, "tokentrace_server_records_duplicate_total", "Records received that the ledger already held (same id).", Interlocked.Read(ref _duplicates));
        Counter(text, "tokentrace_server_records_rejected_total", "Records received and refused (invalid, or outside the token's scope).", Interlocked.Read(ref _rejected));
        Counter(text, "tokentrace_server_otlp_skipped_total", "OTLP spans and metric points received without token usage.", Interlocked.Read(ref _otlpSkipped));
        text.Append("# HELP tokentrace_server_requests_total HTTP requests answered, by status code.\n# TYPE tokentrace_server_requests_total counter\n");
        foreach (var (status, count) in _requestsByStatus.OrderBy(p => p.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"tokentrace_server_requests_total{{status=\"{status}\"}} {count}\n");
        }

        IngestLatency.WriteTo(text);
        OtlpLatency.WriteTo(text);
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
}
