namespace TokenTrace;

/// <summary>What a <see cref="TokenTracker"/> reports to OpenTelemetry besides its records (docs/end_user/opentelemetry.md).</summary>
public sealed class UsageTelemetryOptions
{
    /// <summary>
    /// The attribution fields on the <c>tokentrace.usage.*</c> metrics. Default <see cref="MetricAttribution.Project"/>
    /// and <see cref="MetricAttribution.Agent"/>: jobs, tasks, sessions and users are usually unbounded, and each value
    /// would be a time series of its own.
    /// </summary>
    public MetricAttribution MetricAttribution { get; set; } = MetricAttribution.Project | MetricAttribution.Agent;

    /// <summary>
    /// Whether a record made while <see cref="System.Diagnostics.Activity.Current"/> is a <c>gen_ai</c> span adds its
    /// cost, energy, emissions and attribution to that span (<see cref="UsageTelemetry.Enrich"/>). Default true.
    /// </summary>
    public bool EnrichGenAISpans { get; set; } = true;
}
