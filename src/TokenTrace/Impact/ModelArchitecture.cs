namespace TokenTrace;

/// <summary>What a model is estimated to be made of: total and active parameters (billions), each a range.</summary>
/// <param name="Name">The price-catalogue entry it describes.</param>
/// <param name="TotalBillions">All parameters, which decide how many accelerators must hold the weights.</param>
/// <param name="ActiveBillions">Parameters used per token (equal to the total for dense models, fewer for mixture-of-experts).</param>
/// <param name="Kind"><c>dense</c> or <c>moe</c>.</param>
/// <param name="Source">Where the figures come from (a disclosure, or the estimate's reasoning).</param>
/// <param name="Year">The year of the source.</param>
public sealed record ModelArchitecture(string Name, EstimateRange TotalBillions, EstimateRange ActiveBillions, string Kind, string Source, int Year);
