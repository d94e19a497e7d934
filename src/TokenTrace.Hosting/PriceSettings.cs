namespace TokenTrace.Hosting;

/// <summary>The <c>prices:</c> section: extra catalogues, aliases, patterns and per-model overrides.</summary>
public sealed class PriceSettings
{
    /// <summary>LiteLLM-format catalogue files, applied after the built-in one (later wins).</summary>
    public List<string> Catalogs { get; set; } = [];

    /// <summary>Names that resolve to a catalogue entry.</summary>
    public Dictionary<string, string> Aliases { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Regular expressions over model names, each resolving to a catalogue entry.</summary>
    public List<PricePattern> Patterns { get; set; } = [];

    /// <summary>
    /// Prices that replace (or add) entries, the last layer of all. A list rather than a dictionary keyed by model:
    /// model names contain <c>:</c> (<c>…-v1:0</c>), which <c>Microsoft.Extensions.Configuration</c> reads as a path separator.
    /// </summary>
    public List<PriceOverride> Overrides { get; set; } = [];
}
