namespace TokenTrace.Hosting;

/// <summary>
/// The <c>exporters.webhook</c> section: where batches of records are POSTed, the secret they are signed with, how they
/// are batched, and how many attempts one batch gets (exponential backoff with jitter from <see cref="RetryDelaySeconds"/>,
/// <c>Retry-After</c> honoured).
/// </summary>
public sealed class WebhookExporterSettings
{
    /// <summary>The absolute https URL (http only to a loopback host, with <see cref="AllowInsecureHttp"/>). Text, so a bad one is reported by validation, naming the option.</summary>
    public string Url { get; set; } = "";

    /// <summary>The shared secret batches are signed with (HMAC-SHA256); required. Use <c>${VAR}</c> in the YAML file to keep it out of the file.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Allows <c>http://</c> to a loopback host only (tests, a local relay).</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>The most records in one POST; default 100.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Records the queue holds before new ones are dropped and counted; default 10,000.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>Seconds a record may wait for its batch to fill; default 5.</summary>
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Seconds stopping waits for queued batches to be delivered; default 10.</summary>
    public double DrainTimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts per batch, the first included (1 to 10); default 6. Network errors, timeouts, 408, 429 and 5xx are retried.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Seconds before the first retry; later ones grow exponentially, with jitter, up to 30 s; default 1.</summary>
    public double RetryDelaySeconds { get; set; } = 1;

    /// <summary>The URL, when it is an absolute http(s) URL.</summary>
    public Uri? TryGetUri() =>
        Uri.TryCreate(Url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;

    /// <summary>The exporter's options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number of seconds is not finite or out of range.</exception>
    public WebhookUsageExporterOptions ToOptions() => new()
    {
        Url = TryGetUri(),
        Secret = Secret,
        AllowInsecureHttp = AllowInsecureHttp,
        Batching = new ExportBatching
        {
            BatchSize = BatchSize,
            Capacity = Capacity,
            Interval = ExportSeconds.ToTimeSpan(IntervalSeconds, nameof(IntervalSeconds)),
            DrainTimeout = ExportSeconds.ToTimeSpan(DrainTimeoutSeconds, nameof(DrainTimeoutSeconds)),
        },
    };

    /// <summary>The first retry delay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The number of seconds is not finite or out of range.</exception>
    public TimeSpan RetryDelay => ExportSeconds.ToTimeSpan(RetryDelaySeconds, nameof(RetryDelaySeconds));
}
