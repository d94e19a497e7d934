namespace TokenTrace.Hosting;

/// <summary>The <c>prices:</c> section: extra catalogues, aliases, patterns and per-model overrides.</summary>
public sealed class PriceSettings
{
    /// <summary>LiteLLM-format catalogue files, applied after the built-in one (later wins).</summary>
    public IList<string> Catalogs { get; } = [];

    /// <summary>Names that resolve to a catalogue entry.</summary>
    public IDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Regular expressions over model names, each resolving to a catalogue entry.</summary>
    public IList<(string Pattern, string Model)> Patterns { get; } = [];

    /// <summary>Prices that replace (or add) entries, the last layer of all.</summary>
    public IList<ModelPrice> Overrides { get; } = [];
}
