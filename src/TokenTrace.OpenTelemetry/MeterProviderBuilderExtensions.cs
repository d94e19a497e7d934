using OpenTelemetry.Metrics;

namespace TokenTrace.OpenTelemetry;

/// <summary>Adds TokenTrace's meter to an OpenTelemetry metrics pipeline.</summary>
public static class MeterProviderBuilderExtensions
{
    /// <summary>
    /// Listens to the <c>TokenTrace</c> meter (<see cref="UsageTelemetry.MeterName"/>): the <c>tokentrace.usage.*</c>
    /// counters (cost, tokens, energy, CO2e) and the tracker's health. The same as <c>AddMeter("TokenTrace")</c>.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddTokenTraceInstrumentation().AddOtlpExporter());
    /// </code>
    /// </example>
    public static MeterProviderBuilder AddTokenTraceInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(UsageTelemetry.MeterName);
    }
}
