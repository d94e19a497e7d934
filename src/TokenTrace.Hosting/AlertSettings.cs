namespace TokenTrace.Hosting;

/// <summary>The <c>alerts:</c> section: where budget alerts go besides the log.</summary>
public sealed class AlertSettings
{
    /// <summary>Webhooks every budget alert is POSTed to.</summary>
    public List<AlertWebhook> Webhooks { get; set; } = [];

    /// <summary>
    /// Allows <c>http://</c> webhooks, and only to a loopback host (for tests and local relays). Off by default:
    /// webhooks need <c>https://</c>, since alerts carry spend and URLs often carry tokens.
    /// </summary>
    public bool AllowInsecureHttp { get; set; }
}
