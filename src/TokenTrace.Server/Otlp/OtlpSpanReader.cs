using TokenTrace.Server.Otlp.Proto;

namespace TokenTrace.Server.Otlp;

/// <summary>
/// Turns the spans of an OTLP trace export into usage records: a span with token usage
/// (<c>gen_ai.usage.input_tokens</c>/<c>output_tokens</c>) is one model call. Every other span (HTTP, database) is
/// skipped and counted, and so is an enclosing span (<c>invoke_agent</c>, <c>execute_tool</c>) even when it carries the
/// usage of the calls made inside it, which are spans of their own. The record id is <c>otlp-{trace id}-{span id}</c> in
/// lowercase hex, so an exporter that retries an export, or a collector that sends it twice, stores nothing new; a span
/// TokenTrace's own instrumentation recorded carries that record's id (<c>tokentrace.record_id</c>), used instead, so the
/// same call sent by OTLP and by <c>tokentrace push</c> is stored once.
/// </summary>
internal static class OtlpSpanReader
{
    /// <summary>A longer <c>tokentrace.record_id</c> is not one TokenTrace made (its ids are GUIDs or short hashes); the span's own id is used.</summary>
    private const int MaxRecordIdLength = 200;

    public static OtlpBatch Read(ExportTraceServiceRequest request, bool serviceAsProject)
    {
        var entries = new List<(long, UsageRecord?, IngestError?)>();
        long number = 0;
        long skipped = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = new OtlpAttributes(resourceSpans.Resource?.Attributes);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    var attributes = new OtlpAttributes(span.Attributes);
                    if (!OtlpUsage.HasTokens(attributes) || attributes.Text(OtlpConventions.Operation) is { } operation && OtlpConventions.EnclosingOperations.Contains(operation))
                    {
                        skipped++;
                        continue;
                    }

                    number++;
                    entries.Add(Entry(number, span, attributes, resource, serviceAsProject));
                }
            }
        }

        return new OtlpBatch(entries, skipped);
    }

    private static (long, UsageRecord?, IngestError?) Entry(long number, Span span, OtlpAttributes attributes, OtlpAttributes resource, bool serviceAsProject)
    {
        if (span.TraceId.Length != 16 || span.TraceId.Span.IndexOfAnyExcept((byte)0) < 0)
        {
            return (number, null, new IngestError(number, "traceId", $"span '{span.Name}': the trace id is not 16 bytes, or is all zero"));
        }

        if (span.SpanId.Length != 8 || span.SpanId.Span.IndexOfAnyExcept((byte)0) < 0)
        {
            return (number, null, new IngestError(number, "spanId", $"span '{span.Name}': the span id is not 8 bytes, or is all zero"));
        }

        var traceId = Convert.ToHexStringLower(span.TraceId.Span);
        var spanId = Convert.ToHexStringLower(span.SpanId.Span);
        var start = span.StartTimeUnixNano != 0 ? span.StartTimeUnixNano : span.EndTimeUnixNano;
        if (start == 0)
        {
            return (number, null, new IngestError(number, "startTimeUnixNano", $"span {spanId}: no start or end time"));
        }

        try
        {
            var recordId = attributes.Text(OtlpConventions.RecordId) is { Length: > 0 and <= MaxRecordIdLength } recorded ? recorded : $"otlp-{traceId}-{spanId}";
            var record = OtlpUsage.Record(
                recordId,
                OtlpUsage.Instant(start),
                attributes,
                resource,
                OtlpUsage.SpanTokens(attributes),
                OtlpConventions.SpanSource,
                serviceAsProject) with
            {
                LatencyMs = span.EndTimeUnixNano >= span.StartTimeUnixNano && span.StartTimeUnixNano != 0 ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6 : null,
                Status = span.Status?.Code == 2 ? "error" : "ok",
            };
            var tags = new Dictionary<string, string>(record.Attribution.Tags, StringComparer.Ordinal)
            {
                [OtlpConventions.TraceIdTag] = traceId,
                [OtlpConventions.SpanIdTag] = spanId,
            };
            return (number, record with { Attribution = record.Attribution with { Tags = tags } }, null);
        }
        catch (FormatException ex)
        {
            return (number, null, new IngestError(number, null, $"span {spanId}: {ex.Message}"));
        }
    }
}
