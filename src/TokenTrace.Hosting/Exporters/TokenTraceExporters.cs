using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace TokenTrace.Hosting;

/// <summary>
/// The exporters <c>AddTokenTrace</c> built from the <c>Exporters</c> settings, with their statistics. Each is one of the
/// tracker's sinks; disposing this (the container does, after the tracker has flushed) drains each exporter within its
/// drain timeout.
/// </summary>
public sealed class TokenTraceExporters : IAsyncDisposable
{
    /// <summary>Builds the exporters <paramref name="settings"/> turn on.</summary>
    /// <param name="settings">Which exporters, and their options.</param>
    /// <param name="webhookHttp">The client the webhook exporter sends with (one with the retry handler, <see cref="TokenTraceWebhooks.CreateExporterHttpClient"/>); needed only when the webhook is on.</param>
    /// <param name="loggerFactory">Where the logging exporter writes and exporters log their failures.</param>
    /// <param name="timeProvider">The exporters' clock.</param>
    /// <param name="meterFactory">Where <c>tokentrace.export.records</c> is reported.</param>
    /// <exception cref="ArgumentException">An exporter's settings are invalid; the message names the option.</exception>
    public TokenTraceExporters(ExporterSettings settings, HttpClient? webhookHttp = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var sinks = new List<IUsageSink>();
        if (settings.Logging)
        {
            Logging = new LoggingUsageSink(loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            sinks.Add(Logging);
        }

        if (settings.Jsonl is { } jsonl)
        {
            Jsonl = new JsonlFileExporter(jsonl.ToOptions(), loggerFactory, timeProvider, meterFactory);
            sinks.Add(Jsonl);
        }

        if (settings.Webhook is { } webhook)
        {
            Webhook = new WebhookUsageExporter(webhook.ToOptions(), webhookHttp, loggerFactory, timeProvider, meterFactory);
            sinks.Add(Webhook);
        }

        Sinks = sinks;
    }

    /// <summary>The structured-log exporter, when on.</summary>
    public LoggingUsageSink? Logging { get; }

    /// <summary>The JSONL file exporter, when on; its <see cref="JsonlFileExporter.Statistics"/> count what it wrote.</summary>
    public JsonlFileExporter? Jsonl { get; }

    /// <summary>The webhook exporter, when on; its <see cref="WebhookUsageExporter.Statistics"/> count what it delivered.</summary>
    public WebhookUsageExporter? Webhook { get; }

    /// <summary>Every exporter that is on, as sinks.</summary>
    public IReadOnlyList<IUsageSink> Sinks { get; }

    /// <summary>Sends what every exporter has queued and waits for it (delivered or failed).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(
            Jsonl?.FlushAsync(cancellationToken) ?? Task.CompletedTask,
            Webhook?.FlushAsync(cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
    }

    /// <summary>Drains and stops every exporter, each within its own drain timeout, at the same time.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(
            Jsonl?.DisposeAsync().AsTask() ?? Task.CompletedTask,
            Webhook?.DisposeAsync().AsTask() ?? Task.CompletedTask).ConfigureAwait(false);
    }
}
