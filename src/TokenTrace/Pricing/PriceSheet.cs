namespace TokenTrace;

/// <summary>Prices read from one file, with what was skipped and why.</summary>
/// <param name="Layer">The layer name (<c>builtin@2026-11-01</c>, <c>litellm:file.json</c>).</param>
/// <param name="Prices">The entries read.</param>
/// <param name="Skipped">Entries left out, by name, with the reason.</param>
public sealed record PriceSheet(string Layer, IReadOnlyList<ModelPrice> Prices, IReadOnlyList<(string Name, string Reason)> Skipped);
