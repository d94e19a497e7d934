namespace TokenTrace;

/// <summary>How a <see cref="TokenTracker"/> prepares records and persists them.</summary>
/// <example>
/// <code>
/// new TokenTrackerOptions
/// {
///     Pipeline = { DefaultAttribution = new Attribution { Project = "docs" } },
///     Batching = { QueueCapacity = 16_384, ExitGracePeriod = TimeSpan.FromSeconds(10) },
/// };
/// </code>
/// </example>
public sealed class TokenTrackerOptions
{
    /// <summary>Prices, impact estimates and default attribution.</summary>
    public UsageRecordPipelineOptions Pipeline { get; set; } = new();

    /// <summary>Queueing, batching, retries, spilling and the flush on exit.</summary>
    public BatchingLedgerOptions Batching { get; set; } = new();

    /// <summary>Usage metrics attributes and <c>gen_ai</c> span enrichment.</summary>
    public UsageTelemetryOptions Telemetry { get; set; } = new();

    /// <summary>Observers of stored records (metrics, exporters, alerts), called after each acknowledged batch.</summary>
    public IList<IUsageSink> Sinks { get; } = [];

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Pipeline, nameof(Pipeline));
        ArgumentNullException.ThrowIfNull(Batching, nameof(Batching));
        ArgumentNullException.ThrowIfNull(Telemetry, nameof(Telemetry));
        Batching.Validate();
    }
}
