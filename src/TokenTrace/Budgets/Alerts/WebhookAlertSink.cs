using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// POSTs each alert as JSON to an https URL (http only to a loopback host, and only when allowed). With a secret, the
/// request is signed with a timestamp, Stripe-style:
/// <c>X-TokenTrace-Signature: t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "UNIX_SECONDS." + body))</c>, so a receiver can
/// reject a replayed capture. One call is one delivery attempt as far as this sink is concerned: retries with backoff
/// are the job of the <see cref="HttpClient"/>'s handlers (TokenTrace.Hosting provides a client with a resilience
/// handler), and an alert that fails is tried again by <see cref="BudgetAlerter"/> at the next evaluation. A failure
/// throws <see cref="HttpRequestException"/> carrying the reply's status, if any. The payload is documented in
/// docs/end_user/budgets.md.
/// </summary>
public sealed class WebhookAlertSink : IBudgetAlertSink
{
    /// <summary>The header carrying the signature.</summary>
    public const string SignatureHeader = "X-TokenTrace-Signature";

    private readonly Uri _url;
    private readonly string? _secret;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    /// <summary>Creates the sink.</summary>
    /// <param name="url">Where to POST: an https URL, or http to a loopback host when <paramref name="allowInsecureHttp"/> is set.</param>
    /// <param name="secret">The HMAC key; null sends unsigned.</param>
    /// <param name="http">The client to use, ideally one with a retry handler; by default a plain one (one attempt per delivery).</param>
    /// <param name="timeProvider">The clock the signature's timestamp is read from.</param>
    /// <param name="allowInsecureHttp">Whether http to a loopback host is allowed.</param>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not allowed by <see cref="RemoteUrlPolicy"/>.</exception>
    public WebhookAlertSink(Uri url, string? secret = null, HttpClient? http = null, TimeProvider? timeProvider = null, bool allowInsecureHttp = false)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (RemoteUrlPolicy.Check(url, allowInsecureHttp) is { } problem)
        {
            throw new ArgumentException($"webhook {problem}", nameof(url));
        }

        _url = url;
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The JSON body sent for <paramref name="alert"/>.</summary>
    public static byte[] Payload(BudgetAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "budget." + alert.Kind);
            w.WriteString("budget", alert.Budget);
            if (alert.ThresholdPercent is { } threshold)
            {
                w.WriteNumber("thresholdPercent", threshold);
            }

            w.WriteNumber("spend", alert.Spend);
            w.WriteNumber("limit", alert.Limit);
            w.WriteNumber("projectedSpend", alert.ProjectedSpend);
            w.WriteString("unit", alert.Unit.ToString().ToLowerInvariant());
            w.WriteString("mode", alert.Mode.ToString().ToLowerInvariant());
            w.WriteString("periodStart", alert.PeriodStart?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("periodEnd", alert.PeriodEnd?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("at", alert.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("message", alert.Describe());
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The signature header value for <paramref name="body"/> sent at <paramref name="timestamp"/> (Unix seconds) under
    /// <paramref name="secret"/>: <c>t=TIMESTAMP,v1=</c> and the lowercase hex HMAC-SHA256 of <c>TIMESTAMP.</c> followed by
    /// the body bytes, keyed with the secret's UTF-8 bytes.
    /// </summary>
    public static string Sign(byte[] body, string secret, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(secret);
        var prefix = System.Text.Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        var mac = HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), signed);
        return string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1={Convert.ToHexStringLower(mac)}");
    }

    /// <summary>Scheme, host and port only: the path and query of a webhook URL often hold a token.</summary>
    public override string ToString() => "webhook " + RemoteUrlPolicy.Describe(_url);

    /// <inheritdoc/>
    public async Task SendAsync(BudgetAlert alert, CancellationToken cancellationToken = default)
    {
        var body = Payload(alert);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-TokenTrace-Event", "budget." + alert.Kind);
        if (_secret is not null)
        {
            // Signed once per delivery: the handler's retries resend these bytes, all within the receiver's tolerance.
            request.Headers.Add(SignatureHeader, Sign(body, _secret, _time.GetUtcNow().ToUnixTimeSeconds()));
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                string.Create(CultureInfo.InvariantCulture, $"{this} answered {(int)response.StatusCode} {response.ReasonPhrase}"), null, response.StatusCode);
        }
    }
}
