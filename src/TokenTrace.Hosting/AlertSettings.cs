namespace TokenTrace.Hosting;

/// <summary>The <c>alerts:</c> section: where budget alerts go besides the log.</summary>
public sealed class AlertSettings
{
    /// <summary>Webhooks every budget alert is POSTed to.</summary>
    public List<AlertWebhook> Webhooks { get; set; } = [];
}
