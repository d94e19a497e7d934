using OpenTelemetry.Trace;

namespace TokenTrace.OpenTelemetry;

/// <summary>Adds TokenTrace's activity source to an OpenTelemetry tracing pipeline.</summary>
public static class TracerProviderBuilderExtensions
{
    /// <summary>
    /// Listens to the <c>TokenTrace</c> activity source (<see cref="UsageTelemetry.ActivitySourceName"/>): a
    /// <c>tokentrace.ledger.append</c> span per batch the tracker writes. The same as <c>AddSource("TokenTrace")</c>.
    /// Cost and carbon on <c>gen_ai</c> spans need no source of their own: they are tags on the span the GenAI
    /// instrumentation (M.E.AI's <c>UseOpenTelemetry</c>) already makes, so add that source too.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddOpenTelemetry().WithTracing(t => t
    ///     .AddSource("Experimental.Microsoft.Extensions.AI")
    ///     .AddTokenTraceInstrumentation()
    ///     .AddOtlpExporter());
    /// </code>
    /// </example>
    public static TracerProviderBuilder AddTokenTraceInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(UsageTelemetry.ActivitySourceName);
    }
}
