namespace TokenTrace;

/// <summary>How a model name was matched to a catalogue entry.</summary>
/// <param name="Price">The entry version in force at the call's date.</param>
/// <param name="Rule">The rule that matched: <c>exact</c>, <c>provider prefix</c>, <c>alias</c>, <c>pattern</c>, <c>prefix removed</c>, <c>suffix removed</c>.</param>
/// <param name="MatchedName">The name that was found in the catalogue.</param>
/// <param name="Steps">Every name tried, in order, ending with the match.</param>
public sealed record PriceResolution(ModelPrice Price, string Rule, string MatchedName, IReadOnlyList<string> Steps)
{
    /// <summary>The reference stored on a record priced from this resolution.</summary>
    public PriceReference Reference => new(Price.Name, Price.EffectiveFrom, Price.Catalog);
}
