namespace TokenTrace.Hosting;

/// <summary>
/// The <c>exporters:</c> section (<c>TokenTrace:Exporters</c> in appsettings): where every stored record is sent besides
/// the ledger. Each exporter is a sink behind the tracker's isolation: a failing, slow or hanging exporter is counted
/// and logged, and never holds up or breaks a model call or another exporter.
/// </summary>
public sealed class ExporterSettings
{
    /// <summary>Writes each record as a structured log event (<see cref="LoggingUsageSink"/>); with OpenTelemetry logging, an OTLP log record.</summary>
    public bool Logging { get; set; }

    /// <summary>Appends each record as a JSON line to a file (<see cref="JsonlFileExporter"/>); null when off.</summary>
    public JsonlExporterSettings? Jsonl { get; set; }

    /// <summary>POSTs batches of records, signed, to a URL (<see cref="WebhookUsageExporter"/>); null when off.</summary>
    public WebhookExporterSettings? Webhook { get; set; }

    /// <summary>Whether any exporter is on.</summary>
    public bool Any => Logging || Jsonl is not null || Webhook is not null;
}
