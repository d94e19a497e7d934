namespace TokenTrace;

/// <summary>How a model name was matched to a catalogue entry.</summary>
/// <param name="Price">The entry version in force at the call's date.</param>
/// <param name="Rule">The rule that matched: <c>exact</c>, <c>provider prefix</c>, <c>alias</c>, <c>pattern</c>, <c>prefix removed</c>, <c>dotted version</c>, <c>suffix removed</c>; with <c>, alias</c> when the name found was an alias and <c>, Bedrock regional</c> when the regional premium applies.</param>
/// <param name="MatchedName">The name that was found in the catalogue.</param>
/// <param name="Steps">Every name tried, in order, then the match (with the seller chosen and any Bedrock regional premium) and the version in force.</param>
public sealed record PriceResolution(ModelPrice Price, string Rule, string MatchedName, IReadOnlyList<string> Steps)
{
    /// <summary>The reference stored on a record priced from this resolution.</summary>
    public PriceReference Reference => new(Price.Name, Price.EffectiveFrom, Price.Catalog);
}
