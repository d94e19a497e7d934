using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// POSTs each alert as JSON to a URL, retrying server errors and network failures with backoff. With a secret, the body
/// is signed: <c>X-TokenTrace-Signature: sha256=HEX(HMAC-SHA256(secret, body))</c>. The payload is documented in
/// docs/end_user/budgets.md.
/// </summary>
public sealed class WebhookAlertSink : IBudgetAlertSink
{
    private readonly Uri _url;
    private readonly string? _secret;
    private readonly HttpClient _http;
    private readonly int _attempts;
    private readonly TimeSpan _firstDelay;

    /// <summary>Creates the sink.</summary>
    /// <param name="url">Where to POST.</param>
    /// <param name="secret">The HMAC key; null sends unsigned.</param>
    /// <param name="http">The client to use; a new one by default.</param>
    /// <param name="attempts">Attempts per alert.</param>
    /// <param name="firstDelay">Delay before the first retry; later retries double it.</param>
    public WebhookAlertSink(Uri url, string? secret = null, HttpClient? http = null, int attempts = 4, TimeSpan? firstDelay = null)
    {
        _url = url ?? throw new ArgumentNullException(nameof(url));
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        _attempts = Math.Max(1, attempts);
        _firstDelay = firstDelay ?? TimeSpan.FromMilliseconds(250);
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

    /// <summary>The signature header value for <paramref name="body"/> under <paramref name="secret"/>.</summary>
    public static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));

    /// <inheritdoc/>
    public async Task SendAsync(BudgetAlert alert, CancellationToken cancellationToken = default)
    {
        var body = Payload(alert);
        var delay = _firstDelay;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-TokenTrace-Event", "budget." + alert.Kind);
            if (_secret is not null)
            {
                request.Headers.Add("X-TokenTrace-Signature", Sign(body, _secret));
            }

            string? refusal = null;
            try
            {
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                // 4xx (but 429) means the receiver will not take this alert however often it is sent.
                if ((int)response.StatusCode < 500 && response.StatusCode != System.Net.HttpStatusCode.TooManyRequests)
                {
                    refusal = string.Create(CultureInfo.InvariantCulture, $"webhook {_url} refused the alert: {(int)response.StatusCode} {response.ReasonPhrase}");
                }
                else if (attempt >= _attempts)
                {
                    refusal = string.Create(CultureInfo.InvariantCulture, $"webhook {_url} failed {attempt} times; last status {(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException) when (attempt < _attempts)
            {
                // network failure: retry below
            }
            catch (TaskCanceledException) when (attempt < _attempts && !cancellationToken.IsCancellationRequested)
            {
                // timeout: retry below
            }

            if (refusal is not null)
            {
                throw new HttpRequestException(refusal);
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay += delay;
        }
    }
}
