namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>One metric of one OTLP export, as the receiver decoded it.</summary>
internal sealed record OtlpMetric(string Scope, string? ScopeVersion, string Name, string Unit, bool IsSum, bool IsMonotonic, int Temporality, IReadOnlyList<OtlpPoint> Points)
{
    /// <summary>AGGREGATION_TEMPORALITY_CUMULATIVE in opentelemetry-proto.</summary>
    public const int Cumulative = 2;
}

/// <summary>One number data point with its attributes.</summary>
internal sealed record OtlpPoint(IReadOnlyDictionary<string, object> Attributes, double? AsDouble, long? AsInt);

/// <summary>One span with its attributes and status code (2 = error).</summary>
internal sealed record OtlpSpan(string Scope, string Name, IReadOnlyDictionary<string, object> Attributes, int StatusCode);

/// <summary>One log record: scope (the logger category), severity number, body, attributes and event name.</summary>
internal sealed record OtlpLog(string Scope, int Severity, string? Body, IReadOnlyDictionary<string, object> Attributes, string? EventName);
