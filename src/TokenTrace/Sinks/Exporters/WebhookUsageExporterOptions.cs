namespace TokenTrace;

/// <summary>Where and how a <see cref="WebhookUsageExporter"/> sends.</summary>
public sealed class WebhookUsageExporterOptions
{
    /// <summary>Where batches are POSTed: an https URL (http only to a loopback host, with <see cref="AllowInsecureHttp"/>).</summary>
    public Uri? Url { get; set; }

    /// <summary>The shared secret every batch is signed with (HMAC-SHA256); required, since records name projects, users and spend.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Allows <c>http://</c> to a loopback host (tests, a local relay). Off by default.</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>The queue and batches: by default up to 100 records a batch, sent at least every 5 s.</summary>
    public ExportBatching Batching { get; set; } = new();

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">The URL or secret is missing or not allowed; the message names the option and never echoes the secret or the URL's path.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A batching value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Url is null)
        {
            throw new ArgumentException("Url: expected the absolute https URL batches are POSTed to", nameof(Url));
        }

        if (RemoteUrlPolicy.Check(Url, AllowInsecureHttp) is { } problem)
        {
            throw new ArgumentException($"Url: {problem}", nameof(Url));
        }

        if (string.IsNullOrEmpty(Secret))
        {
            throw new ArgumentException("Secret: expected the shared secret batches are signed with (HMAC-SHA256), so the receiver can tell them from forgeries", nameof(Secret));
        }

        ArgumentNullException.ThrowIfNull(Batching, nameof(Batching));
        Batching.Validate();
    }
}
