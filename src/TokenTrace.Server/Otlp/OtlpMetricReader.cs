using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TokenTrace.Server.Otlp.Proto;

namespace TokenTrace.Server.Otlp;

/// <summary>
/// Turns <c>gen_ai.client.token.usage</c> histograms of an OTLP metrics export into usage records, one per usage window
/// and attribute set (its input and output points together). Only DELTA points can be: each covers its own window, so
/// each becomes one record whose id hashes the resource, scope, attributes and window, and a retried export stores
/// nothing new. A CUMULATIVE point is a running total since the process started; turning it into records needs the
/// previous total, which a server restart or a second replica would not have, so it is refused with a message saying
/// to export delta temporality. Every other metric is skipped. See docs/architecture/decisions.md (OTLP metrics).
/// </summary>
internal static class OtlpMetricReader
{
    /// <summary>The largest token count a point or a window may hold (9 × 10¹⁵: exact in a double, far below a long's limit).</summary>
    private const long MaxTokens = 9_000_000_000_000_000;

    private const int Delta = 1;

    public static OtlpBatch Read(ExportMetricsServiceRequest request, bool storeRecords, bool serviceAsProject)
    {
        var entries = new List<(long, UsageRecord?, IngestError?)>();
        long number = 0;
        long skipped = 0;
        long ignored = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = new OtlpAttributes(resourceMetrics.Resource?.Attributes);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scopeMetrics.Metrics)
                {
                    if (metric.Name != OtlpConventions.TokenUsageMetric || metric.DataCase != Metric.DataOneofCase.Histogram)
                    {
                        skipped += Points(metric);
                        continue;
                    }

                    if (!storeRecords)
                    {
                        ignored += metric.Histogram.DataPoints.Count;
                        continue;
                    }

                    if (metric.Histogram.AggregationTemporality != Delta)
                    {
                        foreach (var _ in metric.Histogram.DataPoints)
                        {
                            number++;
                            entries.Add((number, null, new IngestError(number, "aggregationTemporality",
                                $"{metric.Name}: cumulative points cannot become records without double counting; export with delta temporality (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta)")));
                        }

                        continue;
                    }

                    ReadWindows(metric, scopeMetrics.Scope, resource, serviceAsProject, entries, ref number, ref skipped);
                }
            }
        }

        var warning = ignored > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{ignored} {OtlpConventions.TokenUsageMetric} points not stored: this server records usage from gen_ai spans (send traces), so metrics would count it twice; see docs/end_user/otlp.md")
            : null;
        return new OtlpBatch(entries, skipped + ignored, warning);
    }

    private static void ReadWindows(Metric metric, InstrumentationScope? scope, OtlpAttributes resource, bool serviceAsProject, List<(long, UsageRecord?, IngestError?)> entries, ref long number, ref long skipped)
    {
        // The input and output points of one window and attribute set (all but gen_ai.token.type) make one record.
        var windows = new Dictionary<string, (HistogramDataPoint First, OtlpAttributes Attributes, long Input, long Output, string? Problem)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var point in metric.Histogram.DataPoints)
        {
            var attributes = new OtlpAttributes(point.Attributes);
            if (point.Count == 0)
            {
                // A window in which no call was made.
                skipped++;
                continue;
            }

            var key = string.Join('\u001e', point.StartTimeUnixNano.ToString(CultureInfo.InvariantCulture), point.TimeUnixNano.ToString(CultureInfo.InvariantCulture), attributes.Canonical(OtlpConventions.TokenType));
            if (!windows.TryGetValue(key, out var window))
            {
                window = (point, attributes, 0, 0, null);
                order.Add(key);
            }

            var sum = point.HasSum ? point.Sum : double.NaN;
            if (point.TimeUnixNano == 0)
            {
                window.Problem ??= "timeUnixNano: the window has no end time";
            }
            else if (!double.IsFinite(sum) || sum < 0 || Math.Floor(sum) != sum || sum > MaxTokens)
            {
                window.Problem ??= "sum: expected a whole, non-negative number of tokens";
            }
            else
            {
                // Points of one window add up; a sender repeating a key many times must not wrap a sum to a negative count.
                var total = (long)sum;
                switch (attributes.Text(OtlpConventions.TokenType))
                {
                    case "input" when total <= MaxTokens - window.Input:
                        window.Input += total;
                        break;
                    case "output" when total <= MaxTokens - window.Output:
                        window.Output += total;
                        break;
                    case "input" or "output":
                        window.Problem ??= "sum: the window's points add up to more tokens than a record can hold";
                        break;
                    case var other:
                        window.Problem ??= $"{OtlpConventions.TokenType} '{other}' is neither input nor output";
                        break;
                }
            }

            windows[key] = window;
        }

        foreach (var key in order)
        {
            var (first, attributes, input, output, problem) = windows[key];
            number++;
            if (problem is not null)
            {
                entries.Add((number, null, new IngestError(number, null, $"{metric.Name}: {problem}")));
                continue;
            }

            var identity = string.Join('\u001e', resource.Canonical(), scope?.Name ?? "", metric.Name, key);
            var id = "otlpm-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 16));
            try
            {
                // The histogram's input counts cached tokens too (it has no cache type): all of it is priced as input.
                var record = OtlpUsage.Record(id, OtlpUsage.Instant(first.TimeUnixNano), attributes, resource, new TokenCounts { Input = input, Output = output }, OtlpConventions.MetricSource, serviceAsProject);
                entries.Add((number, record, null));
            }
            catch (FormatException ex)
            {
                entries.Add((number, null, new IngestError(number, null, $"{metric.Name}: {ex.Message}")));
            }
        }
    }

    private static long Points(Metric metric) => metric.DataCase switch
    {
        Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Count,
        Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Count,
        Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Count,
        Metric.DataOneofCase.ExponentialHistogram => metric.ExponentialHistogram.DataPoints.Count,
        Metric.DataOneofCase.Summary => metric.Summary.DataPoints.Count,
        _ => 0,
    };
}
