using System.Text.RegularExpressions;

namespace TokenTrace;

/// <summary>Assembles a <see cref="PriceCatalog"/> from layers; a later layer replaces every version of a name an earlier one had.</summary>
public sealed class PriceCatalogBuilder
{
    private readonly Dictionary<string, List<ModelPrice>> _versions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(Regex Pattern, string Target)> _patterns = [];
    private readonly List<string> _layers = [];

    internal PriceCatalogBuilder(bool includeBuiltIn)
    {
        if (includeBuiltIn)
        {
            var sheet = BuiltInPriceSheet.Load();
            AddLayer(sheet.Layer, sheet.Prices);
        }
    }

    /// <summary>Adds a layer of entries. Entries sharing a name within the layer are versions by date.</summary>
    public PriceCatalogBuilder AddLayer(string layer, IEnumerable<ModelPrice> prices)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        ArgumentNullException.ThrowIfNull(prices);
        var layerVersions = new Dictionary<string, List<ModelPrice>>(StringComparer.OrdinalIgnoreCase);
        foreach (var price in prices)
        {
            if (PriceBounds.Problem(price) is { } problem)
            {
                throw new ArgumentException($"Price '{price.Name}' in {layer}: {problem}", nameof(prices));
            }

            var stamped = price.Catalog.Length == 0 ? price with { Catalog = layer } : price;
            if (!layerVersions.TryGetValue(price.Name, out var list))
            {
                layerVersions[price.Name] = list = [];
            }

            list.Add(stamped);
            foreach (var alias in price.Aliases)
            {
                _aliases[alias] = price.Name;
            }
        }

        foreach (var (name, list) in layerVersions)
        {
            _versions[name] = list;
        }

        _layers.Add(layer);
        return this;
    }

    /// <summary>Makes <paramref name="alias"/> resolve to the entry named <paramref name="target"/>.</summary>
    public PriceCatalogBuilder AddAlias(string alias, string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        _aliases[alias] = target;
        return this;
    }

    /// <summary>
    /// Makes every model name matching <paramref name="pattern"/> resolve to <paramref name="target"/>, before suffix rules.
    /// The pattern runs on the non-backtracking engine (time linear in the name, so <c>^(a+)+$</c> cannot hang) with no
    /// timeout; one that needs backtracking (backreferences, lookarounds, atomic groups) runs with a 250 ms match timeout,
    /// and a name it times out on is treated as not matching.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    public PriceCatalogBuilder AddPattern(string pattern, string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        Regex regex;
        try
        {
            // Linear in the name, so no timeout: a timeout here only ever fired on a loaded machine while the engine built its
            // automaton on first use, and silently left a name unpriced.
            regex = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, Regex.InfiniteMatchTimeout);
        }
        catch (NotSupportedException)
        {
            regex = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, BacktrackingTimeout);
        }

        _patterns.Add((regex, target));
        return this;
    }

    private static TimeSpan BacktrackingTimeout => TimeSpan.FromMilliseconds(250);

    /// <summary>Builds the immutable catalogue.</summary>
    public PriceCatalog Build()
    {
        var versions = new Dictionary<string, ModelPrice[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, list) in _versions)
        {
            versions[name] = [.. list.OrderBy(p => p.EffectiveFrom ?? DateOnly.MinValue)];
        }

        return new PriceCatalog(versions, new Dictionary<string, string>(_aliases, StringComparer.OrdinalIgnoreCase), [.. _patterns], [.. _layers]);
    }
}
