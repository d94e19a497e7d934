namespace TokenTrace;

/// <summary>An uncertain quantity: a central value with a low and a high bound.</summary>
/// <param name="Low">The low bound.</param>
/// <param name="Central">The central value.</param>
/// <param name="High">The high bound.</param>
public readonly record struct EstimateRange(double Low, double Central, double High)
{
    /// <summary>Adds two ranges bound by bound (a conservative sum of independent uncertainties).</summary>
    public static EstimateRange operator +(EstimateRange left, EstimateRange right) =>
        new(left.Low + right.Low, left.Central + right.Central, left.High + right.High);

    /// <summary>Adds two ranges bound by bound.</summary>
    public static EstimateRange Add(EstimateRange left, EstimateRange right) => left + right;
}
