using System.IO.Compression;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>
/// A real OTLP/HTTP receiver on 127.0.0.1 (Kestrel, port chosen by the system) that keeps every protobuf request sent
/// to <c>/v1/metrics</c> and <c>/v1/traces</c>, decoded into <see cref="OtlpMetric"/>s and <see cref="OtlpSpan"/>s.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<OtlpMetric> _metrics = Channel.CreateUnbounded<OtlpMetric>();
    private readonly Channel<OtlpSpan> _spans = Channel.CreateUnbounded<OtlpSpan>();
    private readonly Channel<OtlpLog> _logs = Channel.CreateUnbounded<OtlpLog>();

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The content types of every request, to prove the exporter spoke protobuf.</summary>
    public List<string> ContentTypes { get; } = [];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, body => Decode.Metrics(body, receiver._metrics.Writer)));
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, body => Decode.Spans(body, receiver._spans.Writer)));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, body => Decode.Logs(body, receiver._logs.Writer)));
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Urls.Single());
        return receiver;
    }

    /// <summary>Waits (at most 30 s, no polling) until a metric named <paramref name="name"/> arrives in an export that matches.</summary>
    public Task<OtlpMetric> MetricAsync(string name, Func<OtlpMetric, bool>? match = null) =>
        FirstAsync(_metrics.Reader, m => m.Name == name && (match is null || match(m)));

    /// <summary>Waits (at most 30 s, no polling) until a span named <paramref name="name"/> arrives.</summary>
    public Task<OtlpSpan> SpanAsync(string name) => FirstAsync(_spans.Reader, s => s.Name == name);

    /// <summary>Waits (at most 30 s, no polling) until a log record that matches arrives.</summary>
    public Task<OtlpLog> LogAsync(Func<OtlpLog, bool> match) => FirstAsync(_logs.Reader, match);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<T> FirstAsync<T>(ChannelReader<T> reader, Func<T, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var item in reader.ReadAllAsync(timeout.Token))
        {
            if (match(item))
            {
                return item;
            }
        }

        throw new InvalidOperationException("the receiver stopped");
    }

    private async Task ReceiveAsync(HttpContext context, Action<ProtoMessage> decode)
    {
        lock (ContentTypes)
        {
            ContentTypes.Add(context.Request.ContentType ?? "");
        }

        Stream body = context.Request.Body;
        if (string.Equals(context.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = new GZipStream(body, CompressionMode.Decompress);
        }

        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        decode(ProtoMessage.Parse(ByteString.CopyFrom(buffer.ToArray())));

        // An empty Export*ServiceResponse: full success.
        context.Response.ContentType = "application/x-protobuf";
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>Field numbers from opentelemetry-proto (collector/*/v1, metrics/v1, trace/v1, common/v1).</summary>
    private static class Decode
    {
        public static void Metrics(ProtoMessage request, ChannelWriter<OtlpMetric> writer)
        {
            // ExportMetricsServiceRequest.resource_metrics = 1; ResourceMetrics.scope_metrics = 2; ScopeMetrics.scope = 1, metrics = 2.
            foreach (var scopeMetrics in request.Messages(1).SelectMany(rm => rm.Messages(2)))
            {
                var scope = scopeMetrics.Message(1);
                foreach (var metric in scopeMetrics.Messages(2))
                {
                    // Metric.name = 1, unit = 3, sum = 7; Sum.data_points = 1, aggregation_temporality = 2, is_monotonic = 3.
                    var sum = metric.Message(7);
                    var points = sum?.Messages(1).Select(Point).ToList() ?? [];
                    writer.TryWrite(new OtlpMetric(
                        scope?.String(1) ?? "", scope?.String(2), metric.String(1) ?? "", metric.String(3) ?? "",
                        sum is not null, sum?.Varint(3) == 1, (int)(sum?.Varint(2) ?? 0), points));
                }
            }
        }

        public static void Spans(ProtoMessage request, ChannelWriter<OtlpSpan> writer)
        {
            // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.scope_spans = 2; ScopeSpans.scope = 1, spans = 2.
            foreach (var scopeSpans in request.Messages(1).SelectMany(rs => rs.Messages(2)))
            {
                var scope = scopeSpans.Message(1);
                foreach (var span in scopeSpans.Messages(2))
                {
                    // Span.name = 5, attributes = 9, status = 15 (Status.code = 3).
                    writer.TryWrite(new OtlpSpan(scope?.String(1) ?? "", span.String(5) ?? "", Attributes(span, 9), (int)(span.Message(15)?.Varint(3) ?? 0)));
                }
            }
        }

        public static void Logs(ProtoMessage request, ChannelWriter<OtlpLog> writer)
        {
            // ExportLogsServiceRequest.resource_logs = 1; ResourceLogs.scope_logs = 2; ScopeLogs.scope = 1, log_records = 2.
            foreach (var scopeLogs in request.Messages(1).SelectMany(rl => rl.Messages(2)))
            {
                var scope = scopeLogs.Message(1);
                foreach (var log in scopeLogs.Messages(2))
                {
                    // LogRecord.severity_number = 2, body = 5 (AnyValue), attributes = 6, event_name = 12.
                    writer.TryWrite(new OtlpLog(scope?.String(1) ?? "", (int)(log.Varint(2) ?? 0), log.Message(5)?.String(1), Attributes(log, 6), log.String(12)));
                }
            }
        }

        private static OtlpPoint Point(ProtoMessage point) =>
            // NumberDataPoint.attributes = 7, as_double = 4 (double), as_int = 6 (sfixed64).
            new(Attributes(point, 7), point.Double(4), point.Fixed64(6) is { } bits ? unchecked((long)bits) : null);

        private static Dictionary<string, object> Attributes(ProtoMessage message, int field)
        {
            var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var keyValue in message.Messages(field))
            {
                // KeyValue.key = 1, value = 2; AnyValue.string_value = 1, bool_value = 2, int_value = 3, double_value = 4.
                var value = keyValue.Message(2)!;
                attributes[keyValue.String(1)!] = value.String(1) as object
                    ?? (value.Has(2) ? value.Varint(2) == 1 : null as object)
                    ?? (value.Varint(3) is { } i ? unchecked((long)i) : null as object)
                    ?? value.Double(4) as object
                    ?? throw new InvalidDataException($"attribute {keyValue.String(1)} has a value type the test does not read");
            }

            return attributes;
        }
    }
}
