using System.Text.RegularExpressions;

namespace TokenTrace;

/// <summary>
/// Assembles a <see cref="PriceCatalog"/> from layers. A later layer's entry for a model an earlier layer already sells
/// through the same provider is merged into it field by field (the rates it gives win, every other rate stays); an entry
/// for the same name from another seller (Vertex AI's <c>gemini-2.5-pro</c> beside Google's) is kept beside it and
/// chosen only by that provider.
/// </summary>
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

    /// <summary>
    /// Adds a layer of entries. Entries sharing a name within the layer are versions by date. An entry for a model an
    /// earlier layer lists (by name, by alias, or as <c>provider/name</c>) from the same seller is merged into it: an
    /// undated entry into its latest version, a dated one into the version of that date (or a new version from that date).
    /// </summary>
    public PriceCatalogBuilder AddLayer(string layer, IEnumerable<ModelPrice> prices)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        ArgumentNullException.ThrowIfNull(prices);
        var earlier = new HashSet<string>(_versions.Keys, StringComparer.OrdinalIgnoreCase);
        var earlierAliases = new Dictionary<string, string>(_aliases, StringComparer.OrdinalIgnoreCase);
        foreach (var price in prices)
        {
            if (PriceBounds.Problem(price) is { } problem)
            {
                throw new ArgumentException($"Price '{price.Name}' in {layer}: {problem}", nameof(prices));
            }

            var stamped = price.Catalog.Length == 0 ? price with { Catalog = layer } : price;
            if (stamped.RateSources.Count == 0)
            {
                var own = stamped.Catalog;
                stamped = stamped with { RateSources = ModelPriceMerge.Fields(stamped).ToDictionary(f => f, _ => own, StringComparer.Ordinal) };
            }

            var target = MergeTarget(stamped, earlier, earlierAliases);
            if (target is null)
            {
                if (!_versions.TryGetValue(price.Name, out var list))
                {
                    _versions[price.Name] = list = [];
                }

                list.Add(stamped);
            }
            else
            {
                Merge(target, stamped);
                if (!string.Equals(target, price.Name, StringComparison.OrdinalIgnoreCase) && !_versions.ContainsKey(price.Name))
                {
                    _aliases[price.Name] = target;
                }
            }

            foreach (var alias in price.Aliases)
            {
                _aliases[alias] = target ?? price.Name;
            }
        }

        _layers.Add(layer);
        return this;
    }

    /// <summary>The earlier entry <paramref name="price"/> is the same offer as, or null when it is a new entry.</summary>
    private string? MergeTarget(ModelPrice price, HashSet<string> earlier, Dictionary<string, string> earlierAliases)
    {
        var name = price.Name;
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var names = new List<string> { name };

        // provider/name merges only when the prefix is the entry's own seller (gemini/gemini-2.5-pro sold by gemini),
        // never for a reseller's copy (vertex_ai/claude-sonnet-4-5, azure/gpt-4o).
        if (slash > 0 && slash < name.Length - 1 && PriceSellers.Key(name[..slash]) is { } prefix && prefix == PriceSellers.Key(price.Provider))
        {
            names.Add(name[(slash + 1)..]);
        }

        foreach (var candidate in names)
        {
            var resolved = earlier.Contains(candidate) ? candidate : earlierAliases.GetValueOrDefault(candidate);
            if (resolved is not null && _versions.TryGetValue(resolved, out var list) && list.Exists(p => PriceSellers.Same(p.Provider, price.Provider)))
            {
                return resolved;
            }
        }

        return null;
    }

    private void Merge(string target, ModelPrice price)
    {
        var list = _versions[target];
        var seller = PriceSellers.Key(price.Provider) ?? PriceSellers.Key(list[0].Provider);
        var same = list.Where(p => (PriceSellers.Key(p.Provider) ?? seller) == seller).OrderBy(p => p.EffectiveFrom ?? DateOnly.MinValue).ToList();
        ModelPrice lower;
        if (price.EffectiveFrom is not { } from)
        {
            lower = same[^1];

            // An undated catalogue that repeats a price the dated history has already superseded (LiteLLM still lists Mistral
            // Large 2's launch price of $3/$9, cut to $2/$6 on 2024-09-17) is stale there: its input and output rates are
            // left out, its other fields merge.
            if (same.Count > 1 && !SameStandard(lower.Rates, price.Rates) && same.Take(same.Count - 1).Any(v => SameStandard(v.Rates, price.Rates)))
            {
                price = price with { Rates = price.Rates with { Input = null, Output = null } };
            }
        }
        else if (same.Find(p => p.EffectiveFrom == from) is { } sameDay)
        {
            lower = sameDay;
        }
        else
        {
            // A new dated version starts from the prices in force that day, so the fields it does not give carry on.
            var basis = same.LastOrDefault(p => p.EffectiveFrom is null || p.EffectiveFrom <= from) ?? same[0];
            list.Add(ModelPriceMerge.Overlay(basis, price) with { Name = target });
            return;
        }

        list[list.IndexOf(lower)] = ModelPriceMerge.Overlay(lower, price) with { Name = target };
    }

    private static bool SameStandard(TokenRates a, TokenRates b) => a.Input == b.Input && a.Output == b.Output;

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
        // Per name, one list of dated versions per seller; the first seller listed (the lowest layer's) is the default.
        var versions = new Dictionary<string, ModelPrice[][]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, list) in _versions)
        {
            versions[name] = [.. list.GroupBy(p => PriceSellers.Key(p.Provider) ?? "").Select(g => g.OrderBy(p => p.EffectiveFrom ?? DateOnly.MinValue).ToArray())];
        }

        return new PriceCatalog(versions, new Dictionary<string, string>(_aliases, StringComparer.OrdinalIgnoreCase), [.. _patterns], [.. _layers]);
    }
}
