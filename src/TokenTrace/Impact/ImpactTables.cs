using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// The data the energy model reads, each row with its source and year: model architectures, provider profiles
/// (PUE, default region), and grid intensity for AWS, Google Cloud and Azure regions, countries and the world.
/// </summary>
public sealed class ImpactTables
{
    private readonly Dictionary<string, ModelArchitecture> _architectures;
    private readonly Dictionary<string, ProviderProfile> _providerByAlias;
    private readonly Dictionary<string, GridRegion> _grid;

    private ImpactTables(IReadOnlyList<ModelArchitecture> architectures, IReadOnlyList<ProviderProfile> providers, ProviderProfile fallbackProvider, IReadOnlyList<GridRegion> grid)
    {
        Architectures = architectures;
        Providers = providers;
        FallbackProvider = fallbackProvider;
        Grid = grid;
        _architectures = architectures.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        _providerByAlias = new Dictionary<string, ProviderProfile>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in providers)
        {
            foreach (var alias in provider.Aliases.Append(provider.Name))
            {
                _providerByAlias[alias] = provider;
            }
        }

        _grid = grid.ToDictionary(g => g.Id, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The tables shipped with TokenTrace.</summary>
    public static ImpactTables Default { get; } = Load();

    /// <summary>Every architecture row.</summary>
    public IReadOnlyList<ModelArchitecture> Architectures { get; }

    /// <summary>Every provider row.</summary>
    public IReadOnlyList<ProviderProfile> Providers { get; }

    /// <summary>The profile used for a provider not in the table.</summary>
    public ProviderProfile FallbackProvider { get; }

    /// <summary>Every grid row: cloud regions, countries and <c>WORLD</c>.</summary>
    public IReadOnlyList<GridRegion> Grid { get; }

    /// <summary>The architecture row for a catalogue entry name.</summary>
    public ModelArchitecture? FindArchitecture(string entry) => _architectures.GetValueOrDefault(entry);

    /// <summary>The profile of <paramref name="provider"/>, or the fallback.</summary>
    public ProviderProfile FindProvider(string? provider) =>
        provider is not null && _providerByAlias.TryGetValue(provider, out var profile) ? profile : FallbackProvider;

    /// <summary>The grid row for a region id, country code or <c>WORLD</c>; null when unknown.</summary>
    public GridRegion? FindGrid(string id) => _grid.GetValueOrDefault(id.Trim());

    /// <summary>The world average row.</summary>
    public GridRegion World => _grid["WORLD"];

    private static ImpactTables Load()
    {
        using var architectures = Open("model-architectures.json");
        using var providers = Open("provider-profiles.json");
        using var grid = Open("grid-intensity.json");

        var models = architectures.RootElement.GetProperty("models").EnumerateArray().Select(m => new ModelArchitecture(
            m.GetProperty("name").GetString()!, Range(m.GetProperty("totalB")), Range(m.GetProperty("activeB")),
            m.GetProperty("kind").GetString()!, m.GetProperty("source").GetString()!, m.GetProperty("year").GetInt32())
        {
            Layers = m.TryGetProperty("layers", out var layers) ? Range(layers) : null,
            AttentionWidth = m.TryGetProperty("attentionWidth", out var width) ? Range(width) : null,
            ShapeSource = m.TryGetProperty("shapeSource", out var shape) ? shape.GetString() : null,
        }).ToList();

        var fallback = Profile(providers.RootElement.GetProperty("default"), "default");
        var profiles = providers.RootElement.GetProperty("providers").EnumerateArray().Select(p => Profile(p, p.GetProperty("name").GetString()!)).ToList();

        var root = grid.RootElement;
        var rows = new List<GridRegion>();
        var world = root.GetProperty("world");
        rows.Add(new GridRegion("WORLD", null, "World", "WORLD", world.GetProperty("gramsPerKwh").GetDouble(), null, world.GetProperty("source").GetString()!, world.GetProperty("year").GetInt32()));
        foreach (var c in root.GetProperty("countries").EnumerateArray())
        {
            var code = c.GetProperty("code").GetString()!;
            rows.Add(new GridRegion(code, null, code, code, c.GetProperty("gramsPerKwh").GetDouble(), null, c.GetProperty("source").GetString()!, c.GetProperty("year").GetInt32()));
        }

        foreach (var r in root.GetProperty("regions").EnumerateArray())
        {
            rows.Add(new GridRegion(
                r.GetProperty("id").GetString()!, r.GetProperty("cloud").GetString(), r.GetProperty("location").GetString(), r.GetProperty("country").GetString()!,
                r.GetProperty("gramsPerKwh").GetDouble(), r.TryGetProperty("carbonFreeShare", out var cfe) ? cfe.GetDouble() : null,
                r.GetProperty("source").GetString()!, r.GetProperty("year").GetInt32()));
        }

        return new ImpactTables(models, profiles, fallback, rows);

        static ProviderProfile Profile(JsonElement p, string name) => new(
            name,
            p.TryGetProperty("aliases", out var aliases) ? [.. aliases.EnumerateArray().Select(a => a.GetString()!)] : [],
            Range(p.GetProperty("pue")), p.GetProperty("wue").GetDouble(), p.GetProperty("region").GetString()!, p.GetProperty("source").GetString()!, p.GetProperty("year").GetInt32());
    }

    private static EstimateRange Range(JsonElement array) =>
        new(array[0].GetDouble(), array[1].GetDouble(), array[2].GetDouble());

    private static JsonDocument Open(string name)
    {
        using var stream = typeof(ImpactTables).Assembly.GetManifestResourceStream("TokenTrace." + name)
            ?? throw new InvalidOperationException($"The impact table {name} is missing from the assembly.");
        return JsonDocument.Parse(stream);
    }
}
