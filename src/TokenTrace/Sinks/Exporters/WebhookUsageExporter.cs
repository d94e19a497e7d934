using System.Buffers;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// Exports stored records to an HTTP endpoint in batches: <see cref="Emit"/> only queues (a full queue drops the record
/// and counts it), a background loop POSTs up to <see cref="ExportBatching.BatchSize"/> records at a time, at least every
/// <see cref="ExportBatching.Interval"/>. Each batch is JSON, <c>{"type":"usage.batch","batchId":…,"records":[…]}</c>
/// with every record as the JSONL ledger writes it; it carries an <c>Idempotency-Key</c> header (the batch id, the same
/// on every retry of the batch) and is signed like budget alert webhooks:
/// <c>X-TokenTrace-Signature: t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "UNIX_SECONDS." + body))</c>
/// (<see cref="WebhookAlertSink.Sign"/>). Retries with backoff, jitter and <c>Retry-After</c> are the job of the
/// <see cref="HttpClient"/>'s handlers: TokenTrace.Hosting's exporter client has them. docs/end_user/exporters.md shows
/// how a receiver verifies a batch.
/// </summary>
public sealed class WebhookUsageExporter : IUsageSink, IAsyncDisposable
{
    /// <summary>The header naming the batch; a receiver that has seen it already can answer 2xx and drop the copy.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The header naming what the body is: <c>usage.batch</c>.</summary>
    public const string EventHeader = "X-TokenTrace-Event";

    /// <summary>The value of <see cref="EventHeader"/> and of the body's <c>type</c>.</summary>
    public const string BatchEvent = "usage.batch";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Uri _url;
    private readonly string _secret;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly ExportQueue _queue;

    /// <summary>Starts the exporter.</summary>
    /// <param name="options">Where to send, the secret, the batching.</param>
    /// <param name="http">The client to send with, ideally one with a retry handler (TokenTrace.Hosting's <c>TokenTraceWebhooks.CreateExporterHttpClient</c>); by default a plain one, one attempt per batch, disposed with the exporter.</param>
    /// <param name="loggerFactory">Where failures are logged.</param>
    /// <param name="timeProvider">The clock of the batching interval and of the signature's timestamp.</param>
    /// <param name="meterFactory">Where <c>tokentrace.export.records</c> is reported, if anywhere.</param>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it.</exception>
    public WebhookUsageExporter(WebhookUsageExporterOptions options, HttpClient? http = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _url = options.Url!;
        _secret = options.Secret;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _time = timeProvider ?? TimeProvider.System;
        _queue = new ExportQueue("webhook", SendAsync, options.Batching.Copy(), Statistics,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<WebhookUsageExporter>(), _time, meterFactory);
    }

    /// <summary>Records delivered, failed and dropped.</summary>
    public ExporterStatistics Statistics { get; } = new();

    /// <summary>Queues <paramref name="record"/>; never waits on the network.</summary>
    public void Emit(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _queue.TryAdd(record);
    }

    /// <summary>Sends what was queued before this call and waits until it is delivered (or failed).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _queue.FlushAsync(cancellationToken);

    /// <summary>Sends what is queued, up to <see cref="ExportBatching.DrainTimeout"/>, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync().ConfigureAwait(false);
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>Scheme, host and port only: the path and query of a webhook URL often hold a token.</summary>
    public override string ToString() => "usage webhook " + RemoteUrlPolicy.Describe(_url);

    private async Task SendAsync(IReadOnlyList<UsageRecord> batch, CancellationToken cancellationToken)
    {
        var batchId = Guid.NewGuid().ToString("N");
        var body = Payload(batchId, batch);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(EventHeader, BatchEvent);
        request.Headers.Add(IdempotencyKeyHeader, batchId);

        // Signed once per batch: the handler's retries resend these bytes, within a receiver's usual 5-minute tolerance.
        request.Headers.Add(WebhookAlertSink.SignatureHeader, WebhookAlertSink.Sign(body, _secret, _time.GetUtcNow().ToUnixTimeSeconds()));
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                string.Create(CultureInfo.InvariantCulture, $"{this} answered {(int)response.StatusCode} {response.ReasonPhrase}"), null, response.StatusCode);
        }
    }

    private static byte[] Payload(string batchId, IReadOnlyList<UsageRecord> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * batch.Count + 64);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("type", BatchEvent);
            w.WriteString("batchId", batchId);
            w.WriteNumber("count", batch.Count);
            w.WriteStartArray("records");
            foreach (var record in batch)
            {
                UsageRecordJson.Write(w, record);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
