namespace TokenTrace;

/// <summary>What a model is estimated to be made of: total and active parameters (billions), each a range.</summary>
/// <param name="Name">The price-catalogue entry it describes.</param>
/// <param name="TotalBillions">All parameters, which decide how many accelerators must hold the weights.</param>
/// <param name="ActiveBillions">Parameters used per token (equal to the total for dense models, fewer for mixture-of-experts).</param>
/// <param name="Kind"><c>dense</c> or <c>moe</c>.</param>
/// <param name="Source">Where the figures come from (a disclosure, or the estimate's reasoning).</param>
/// <param name="Year">The year of the source.</param>
public sealed record ModelArchitecture(string Name, EstimateRange TotalBillions, EstimateRange ActiveBillions, string Kind, string Source, int Year)
{
    /// <summary>
    /// Transformer layers, or null when undisclosed: the estimator then derives a shape from the active parameters
    /// (<see cref="DerivedShape"/>). Attention compute per pair of tokens is proportional to layers × <see cref="AttentionWidth"/>.
    /// </summary>
    public EstimateRange? Layers { get; init; }

    /// <summary>Query heads × head dimension (d_model for most models), or null when undisclosed.</summary>
    public EstimateRange? AttentionWidth { get; init; }

    /// <summary>Where <see cref="Layers"/> and <see cref="AttentionWidth"/> come from.</summary>
    public string? ShapeSource { get; init; }

    /// <summary>
    /// The shape of a dense transformer with <paramref name="activeBillions"/> parameters, for models whose shape is
    /// undisclosed: parameters ≈ 12 · layers · width² (Kaplan et al. 2020) with width = 128 · layers (GPT-3 175B:
    /// 12,288 wide, 96 layers; Brown et al. 2020), so layers = ∛(parameters / (12 · 128²)).
    /// </summary>
    /// <param name="activeBillions">Active parameters, billions.</param>
    /// <returns>Layers and attention width (not rounded: they only enter as a product).</returns>
    public static (double Layers, double Width) DerivedShape(double activeBillions)
    {
        var layers = Math.Cbrt(activeBillions * 1e9 / (12 * 128.0 * 128.0));
        return (layers, 128 * layers);
    }
}
