using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace TokenTrace;

/// <summary>
/// Model prices in layers (built-in, then imported catalogues such as LiteLLM's, then the user's overrides; later
/// layers win) with the rules that match a reported model name to an entry. Thread-safe and immutable once built.
/// </summary>
public sealed class PriceCatalog
{
    private readonly Dictionary<string, ModelPrice[]> _versions;
    private readonly Dictionary<string, string> _aliases;
    private readonly IReadOnlyList<(Regex Pattern, string Target)> _patterns;
    private readonly ConcurrentDictionary<(string? Provider, string Model), ModelPrice[]?> _resolved = new();

    internal PriceCatalog(
        Dictionary<string, ModelPrice[]> versions,
        Dictionary<string, string> aliases,
        IReadOnlyList<(Regex Pattern, string Target)> patterns,
        IReadOnlyList<string> layers)
    {
        _versions = versions;
        _aliases = aliases;
        _patterns = patterns;
        Layers = layers;
    }

    /// <summary>The built-in catalogue alone.</summary>
    public static PriceCatalog BuiltIn => BuiltInHolder.Instance;

    /// <summary>The names of the layers, lowest first.</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>The number of distinct model names.</summary>
    public int Count => _versions.Count;

    /// <summary>Starts a catalogue from the built-in layer.</summary>
    public static PriceCatalogBuilder CreateBuilder(bool includeBuiltIn = true) => new(includeBuiltIn);

    /// <summary>Every entry version, ordered by name then date.</summary>
    public IEnumerable<ModelPrice> Entries =>
        _versions.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase).SelectMany(pair => pair.Value);

    /// <summary>The entries in force on <paramref name="on"/> (or today), one per name.</summary>
    public IEnumerable<ModelPrice> Current(DateOnly? on = null)
    {
        var day = on ?? DateOnly.FromDateTime(DateTime.UtcNow);
        return _versions.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase).Select(pair => InForce(pair.Value, day));
    }

    /// <summary>
    /// Finds the price of <paramref name="model"/> in force at <paramref name="at"/>, or null when no rule matches.
    /// Unresolved models are reported, never guessed.
    /// </summary>
    public ModelPrice? Find(string model, string? provider = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var versions = _resolved.GetOrAdd((provider, model), static (key, self) => self.Match(key.Model, key.Provider, null)?.Versions, this);
        return versions is null ? null : InForce(versions, DateOnly.FromDateTime((at ?? DateTimeOffset.UtcNow).UtcDateTime));
    }

    /// <summary>Resolves <paramref name="model"/> and says how; null when no rule matched (see <see cref="Explain"/>).</summary>
    public PriceResolution? Resolve(string model, string? provider = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var steps = new List<string>();
        var match = Match(model, provider, steps);
        if (match is null)
        {
            return null;
        }

        var price = InForce(match.Value.Versions, DateOnly.FromDateTime((at ?? DateTimeOffset.UtcNow).UtcDateTime));
        return new PriceResolution(price, match.Value.Rule, match.Value.Name, steps);
    }

    /// <summary>The names tried for <paramref name="model"/>, in order, whether or not one matched.</summary>
    public IReadOnlyList<string> Explain(string model, string? provider = null)
    {
        var steps = new List<string>();
        Match(model, provider, steps);
        return steps;
    }

    private (ModelPrice[] Versions, string Rule, string Name)? Match(string model, string? provider, List<string>? steps)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (rule, name) in Candidates(model, provider))
        {
            if (!seen.Add(name))
            {
                continue;
            }

            if (_versions.TryGetValue(name, out var versions))
            {
                steps?.Add($"{rule}: '{name}' found");
                return (versions, rule, name);
            }

            if (_aliases.TryGetValue(name, out var target) && _versions.TryGetValue(target, out versions))
            {
                steps?.Add($"{rule}: '{name}' is an alias of '{target}'");
                return (versions, rule == "exact" ? "alias" : $"{rule}, alias", target);
            }

            steps?.Add($"{rule}: '{name}' not listed");
        }

        return null;
    }

    private IEnumerable<(string Rule, string Name)> Candidates(string model, string? provider)
    {
        foreach (var candidate in ModelNameCandidates.For(model, provider).Take(1))
        {
            yield return candidate;
        }

        foreach (var (pattern, target) in _patterns)
        {
            if (Matches(pattern, model))
            {
                yield return ($"pattern /{pattern}/", target);
            }
        }

        foreach (var candidate in ModelNameCandidates.For(model, provider).Skip(1))
        {
            yield return candidate;
        }
    }

    /// <summary>A backtracking pattern that times out on a name does not match it: the name stays unresolved (and reported), never a crash.</summary>
    private static bool Matches(Regex pattern, string model)
    {
        try
        {
            return pattern.IsMatch(model);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static ModelPrice InForce(ModelPrice[] versions, DateOnly day)
    {
        // Versions are sorted by date; a call before the first known date takes the first version (the launch price).
        var chosen = versions[0];
        foreach (var version in versions)
        {
            if (version.EffectiveFrom is null || version.EffectiveFrom <= day)
            {
                chosen = version;
            }
        }

        return chosen;
    }

    private static class BuiltInHolder
    {
        public static readonly PriceCatalog Instance = CreateBuilder().Build();
    }
}
