namespace TokenTrace;

/// <summary>
/// Estimates the energy and emissions of one call. The tracker calls it for every record after pricing; the
/// energy and carbon model plugs in here.
/// </summary>
public interface IImpactEstimator
{
    /// <summary>Returns the estimate for <paramref name="record"/>, or null when the model or region is unknown.</summary>
    ImpactEstimate? Estimate(UsageRecord record);
}
