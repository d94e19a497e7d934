namespace TokenTrace;

/// <summary>Which catalogue entry a record's cost was computed from.</summary>
/// <param name="Entry">The catalogue key the model name resolved to (for example <c>claude-sonnet-4-5</c>).</param>
/// <param name="EffectiveFrom">The first day the entry's prices applied, when the catalogue says.</param>
/// <param name="Catalog">The catalogue layer and its version (for example <c>builtin@2026-11-01</c> or <c>litellm:prices.json</c>).</param>
public sealed record PriceReference(string Entry, DateOnly? EffectiveFrom, string Catalog);
