namespace TokenTrace.Hosting;

/// <summary>A webhook budget alerts are POSTed to.</summary>
public sealed class AlertWebhook
{
    /// <summary>The absolute http(s) URL. Text rather than <see cref="Uri"/> so that a bad one is reported by validation, naming the option.</summary>
    public string Url { get; set; } = "";

    /// <summary>The secret the body is signed with, if any.</summary>
    public string? Secret { get; set; }

    /// <summary>The URL, when it is an absolute http(s) URL.</summary>
    public Uri? TryGetUri() =>
        Uri.TryCreate(Url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
}
