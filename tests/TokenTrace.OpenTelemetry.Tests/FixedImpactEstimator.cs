namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>Gives every call the same energy and emissions, so expected sums are plain arithmetic.</summary>
internal sealed class FixedImpactEstimator : IImpactEstimator
{
    public static readonly ImpactEstimate PerCall = new(new EstimateRange(0.1, 0.25, 0.5), new EstimateRange(0.02, 0.05, 0.1));

    public ImpactEstimate? Estimate(UsageRecord record) => PerCall;
}
