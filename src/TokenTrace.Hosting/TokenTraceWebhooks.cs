using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace TokenTrace.Hosting;

/// <summary>
/// The HTTP side of budget alert webhooks: the retry pipeline every delivery goes through, a client carrying it for
/// programs without a DI container (the CLI), and the sinks for the <c>alerts:</c> section. With a container,
/// <see cref="TokenTraceServiceCollectionExtensions.AddTokenTrace(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{TokenTraceOptions})"/>
/// registers the named client <see cref="HttpClientName"/> through <c>IHttpClientFactory</c> with the same pipeline.
/// </summary>
public static class TokenTraceWebhooks
{
    /// <summary>The name of the <c>IHttpClientFactory</c> client webhooks are sent with.</summary>
    public const string HttpClientName = "TokenTrace.Webhooks";

    /// <summary>
    /// Adds the webhook delivery strategy: at most 60 s in all; up to 5 retries of transient failures (network and TLS
    /// errors, timeouts, HTTP 408, 429 and 5xx) with exponential backoff from 1 s and jitter, waiting as long as a
    /// <c>Retry-After</c> header asks; 10 s per attempt. Any other 4xx is not retried: the receiver refused the alert.
    /// </summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddWebhookRetry(this ResiliencePipelineBuilder<HttpResponseMessage> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddTimeout(TimeSpan.FromSeconds(60))
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 5,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldRetryAfterHeader = true,
            })
            .AddTimeout(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A client that sends through <see cref="AddWebhookRetry"/>, for programs without a DI container: a plain
    /// <see cref="HttpClient"/> over a resilience <see cref="DelegatingHandler"/>. Dispose it when done.
    /// </summary>
    /// <param name="timeProvider">The clock the backoff waits on (a fake one in tests).</param>
    public static HttpClient CreateHttpClient(TimeProvider? timeProvider = null)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider ?? TimeProvider.System }.AddWebhookRetry().Build();
#pragma warning disable CA2000 // the client owns and disposes its handlers
        var handler = new ResilienceHandler(pipeline) { InnerHandler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) } };
#pragma warning restore CA2000
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The name of the <c>IHttpClientFactory</c> client the usage webhook exporter sends with.</summary>
    public const string ExporterHttpClientName = "TokenTrace.Exporters.Webhook";

    /// <summary>
    /// Adds the usage exporter's delivery strategy: the same shape as <see cref="AddWebhookRetry"/> (at most 60 s in all,
    /// 10 s per attempt, network errors, timeouts, 408, 429 and 5xx retried with exponential backoff and jitter up to 30 s,
    /// <c>Retry-After</c> honoured), with <paramref name="maxAttempts"/> attempts in all and the first retry after
    /// <paramref name="retryDelay"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxAttempts"/> is outside 1..10 or <paramref name="retryDelay"/> is negative.</exception>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddExporterRetry(this ResiliencePipelineBuilder<HttpResponseMessage> builder, int maxAttempts, TimeSpan retryDelay)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxAttempts, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryDelay, TimeSpan.Zero);
        builder.AddTimeout(TimeSpan.FromSeconds(60));
        if (maxAttempts > 1)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = maxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retryDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldRetryAfterHeader = true,
            });
        }

        return builder.AddTimeout(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A client that sends through <see cref="AddExporterRetry"/> with <paramref name="settings"/>' attempts and delay, for
    /// programs without a DI container. Dispose it when done.
    /// </summary>
    /// <param name="settings">The webhook exporter's settings.</param>
    /// <param name="timeProvider">The clock the backoff waits on.</param>
    public static HttpClient CreateExporterHttpClient(WebhookExporterSettings settings, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider ?? TimeProvider.System }
            .AddExporterRetry(settings.MaxAttempts, settings.RetryDelay).Build();
#pragma warning disable CA2000 // the client owns and disposes its handlers
        var handler = new ResilienceHandler(pipeline) { InnerHandler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) } };
#pragma warning restore CA2000
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>One <see cref="WebhookAlertSink"/> per configured webhook, all sending through <paramref name="http"/>.</summary>
    /// <exception cref="ArgumentException">A webhook URL is not allowed by <see cref="RemoteUrlPolicy"/>.</exception>
    public static IReadOnlyList<IBudgetAlertSink> CreateSinks(AlertSettings settings, HttpClient http, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(http);
        return [.. settings.Webhooks.Select(h => new WebhookAlertSink(
            h.TryGetUri() ?? throw new ArgumentException("a webhook URL is not an absolute http(s) URL", nameof(settings)),
            h.Secret, http, timeProvider, settings.AllowInsecureHttp))];
    }
}
