namespace TokenTrace.Server;

/// <summary>What a TokenTrace server hosts: the ledger, the record pipeline, the tokens, and its limits.</summary>
public sealed class TokenTraceServerOptions
{
    /// <summary>The ledger records are stored in and read from (any <see cref="IUsageLedger"/>; the server does not dispose it).</summary>
    public required IUsageLedger Ledger { get; init; }

    /// <summary>The pipeline every received record goes through (validate, attribute, price, estimate), as <c>tokentrace import</c>'s.</summary>
    public required UsageRecordPipeline Pipeline { get; init; }

    /// <summary>The tokens accepted; a request without one of them is refused (only <c>/healthz</c> is open).</summary>
    public required ServerTokenSet Tokens { get; init; }

    /// <summary>Budgets from the configuration, shown by <c>/v1/budgets</c> beside those kept in the ledger (a stored one of the same name wins).</summary>
    public IReadOnlyList<Budget> Budgets { get; init; } = [];

    /// <summary>The largest request body accepted, in bytes (compressed, as sent); larger is refused with 413. 16 MiB by default.</summary>
    public long MaxRequestBodyBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>What a gzip body may expand to, in bytes; more is refused with 413. 256 MiB by default.</summary>
    public long MaxDecompressedBodyBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// What an OTLP export (<c>/v1/traces</c>, <c>/v1/metrics</c>) may expand to, in bytes; more is refused with 413.
    /// 20 MiB by default, the OpenTelemetry Collector's own limit: a decoded OTLP message is an object per attribute,
    /// several times its size in memory, so the limit is lower than for <c>/v1/records</c>.
    /// </summary>
    public long MaxOtlpBodyBytes { get; init; } = 20L * 1024 * 1024;

    /// <summary>Requests each token (or each anonymous client address) may make in a burst; 429 beyond it until refilled.</summary>
    public int RateLimitBurst { get; init; } = 200;

    /// <summary>Requests per second a token's allowance refills by.</summary>
    public int RateLimitPerSecond { get; init; } = 50;

    /// <summary>
    /// Whether <c>POST /v1/metrics</c> stores <c>gen_ai.client.token.usage</c> histograms (delta temporality only) as
    /// records. Off by default: an app that exports its <c>gen_ai</c> spans too would be counted twice, so spans are the
    /// source of usage unless an app sends metrics only. See docs/end_user/otlp.md.
    /// </summary>
    public bool OtlpMetricRecords { get; init; }

    /// <summary>The clock (budget windows).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
