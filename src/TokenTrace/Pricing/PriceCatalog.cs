using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TokenTrace;

/// <summary>
/// Model prices in layers (built-in, then imported catalogues such as LiteLLM's, then the user's overrides; later
/// layers win field by field) with the rules that match a reported model name to an entry. Thread-safe and immutable once built.
/// </summary>
public sealed class PriceCatalog
{
    private readonly Dictionary<string, ModelPrice[][]> _versions;
    private readonly Dictionary<string, string> _aliases;
    private readonly IReadOnlyList<(Regex Pattern, string Target)> _patterns;
    private readonly ConcurrentDictionary<(string? Provider, string Model), Outcome> _resolved = new();

    internal PriceCatalog(
        Dictionary<string, ModelPrice[][]> versions,
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

    /// <summary>Every entry version, ordered by name, then seller, then date.</summary>
    public IEnumerable<ModelPrice> Entries =>
        _versions.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase).SelectMany(pair => pair.Value.SelectMany(seller => seller));

    /// <summary>The entries in force on <paramref name="on"/> (or today), one per name and seller.</summary>
    public IEnumerable<ModelPrice> Current(DateOnly? on = null)
    {
        var day = on ?? DateOnly.FromDateTime(DateTime.UtcNow);
        return _versions.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase).SelectMany(pair => pair.Value.Select(seller => InForce(seller, day)));
    }

    /// <summary>
    /// Finds the price of <paramref name="model"/> in force at <paramref name="at"/>, or null when no rule matches.
    /// Unresolved models are reported, never guessed; a dated snapshot no entry covers stays unresolved (see <see cref="SnapshotWarning"/>).
    /// </summary>
    public ModelPrice? Find(string model, string? provider = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var matched = Cached(model, provider).Matched;
        return matched is null ? null : InForce(matched.Versions, Day(at));
    }

    /// <summary>Resolves <paramref name="model"/> and says how; null when no rule matched (see <see cref="Explain"/>).</summary>
    public PriceResolution? Resolve(string model, string? provider = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var steps = new List<string>();
        var matched = Match(model, provider, steps);
        if (matched is null)
        {
            return null;
        }

        var price = InForce(matched.Versions, Day(at));
        steps.Add(price.EffectiveFrom is { } from
            ? string.Create(CultureInfo.InvariantCulture, $"version: in force since {from:yyyy-MM-dd} ({matched.Versions.Length} dated version(s))")
            : "version: undated (the catalogue gives no date)");
        return new PriceResolution(price, matched.Rule, matched.Name, steps);
    }

    /// <summary>The names tried for <paramref name="model"/>, in order, whether or not one matched.</summary>
    public IReadOnlyList<string> Explain(string model, string? provider = null)
    {
        var steps = new List<string>();
        Match(model, provider, steps);
        return steps;
    }

    /// <summary>
    /// Why <paramref name="model"/> is left unpriced when it is a dated snapshot (<c>gpt-4o-2024-05-13</c>,
    /// <c>mistral-large-2407</c>) that no entry covers, naming the nearest entry; null when that is not the reason.
    /// </summary>
    public string? SnapshotWarning(string model, string? provider = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Cached(model, provider).Warning;
    }

    /// <summary>The match (and, when there is none, the snapshot warning) of a name, worked out once per name and provider.</summary>
    private Outcome Cached(string model, string? provider) =>
        _resolved.GetOrAdd((provider, model), static (key, self) =>
        {
            string? warning = null;
            var matched = self.Match(key.Model, key.Provider, null, w => warning ??= w);
            return new Outcome(matched, matched is null ? warning : null);
        }, this);

    private Matched? Match(string model, string? provider, List<string>? steps, Action<string>? uncovered = null)
    {
        var seller = PriceSellers.Key(provider);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in Candidates(model, provider))
        {
            var (rule, name) = (candidate.Rule, candidate.Name);
            if (!seen.Add(name))
            {
                continue;
            }

            var found = Lookup(name, seller, out var target, out var viaAlias, out var sellerNote);
            if (found is null)
            {
                steps?.Add($"{rule}: '{name}' not listed");
                continue;
            }

            var what = viaAlias ? $"'{name}' is an alias of '{target}'" : $"'{name}' found";
            if (candidate.Snapshot is { } snapshot && !snapshot.CoveredBy(found[0].EffectiveFrom))
            {
                // A date suffix names a snapshot; an entry that did not exist yet on that date is a later generation whose
                // price may differ (gpt-4o-2024-05-13 was $5/$15, gpt-4o today $2.50/$10): left unpriced, never guessed.
                var why = !snapshot.Known
                    ? $"the suffix '{snapshot.Text}' gives no year"
                    : found[0].EffectiveFrom is { } first
                        ? string.Create(CultureInfo.InvariantCulture, $"the snapshot is dated {snapshot} and '{target}' starts {first:yyyy-MM-dd}")
                        : $"the snapshot is dated {snapshot} and '{target}' gives no date";
                var warning = $"'{model}' is a dated snapshot no entry covers: {why}; the nearest entry is '{target}'. Not priced: add an override or alias if it shares that price.";
                steps?.Add($"{rule}: {what}, but {why}: not used");
                uncovered?.Invoke(warning);
                continue;
            }

            steps?.Add($"{rule}: {what}" + (candidate.Snapshot is { } covered ? $" (covers the snapshot dated {covered})" : "") + sellerNote);
            var fullRule = viaAlias ? (rule == "exact" ? "alias" : $"{rule}, alias") : rule;
            var uplift = BuiltInPriceSheet.BedrockRegionalUplift;
            if (uplift.AppliesTo(candidate.Region, target))
            {
                steps?.Add(string.Create(CultureInfo.InvariantCulture, $"Bedrock regional endpoint '{candidate.Region}.': +{uplift.Rate * 100m:0.##} % over the global price ({uplift.Source})"));
                return new Matched([.. found.Select(p => uplift.Apply(p, candidate.Region!))], $"{fullRule}, Bedrock regional", target);
            }

            return new Matched(found, fullRule, target);
        }

        return null;
    }

    /// <summary>
    /// The versions listed under <paramref name="name"/> for <paramref name="seller"/>: that seller's own entry if the name
    /// has one, else an alias (whose target is the curated entry), else the name's default (lowest-layer) seller.
    /// </summary>
    private ModelPrice[]? Lookup(string name, string? seller, out string target, out bool viaAlias, out string sellerNote)
    {
        target = name;
        viaAlias = false;
        sellerNote = "";
        _versions.TryGetValue(name, out var sellers);
        if (seller is not null && sellers?.FirstOrDefault(s => PriceSellers.Key(s[0].Provider) == seller) is { } own)
        {
            sellerNote = sellers.Length > 1 ? $" (provider '{seller}': its own entry, from {own[^1].Catalog})" : "";
            return own;
        }

        if (_aliases.TryGetValue(name, out var aliased) && _versions.TryGetValue(aliased, out var aliasSellers))
        {
            target = aliased;
            viaAlias = true;
            return Choose(aliasSellers, seller, ref sellerNote);
        }

        return sellers is null ? null : Choose(sellers, seller, ref sellerNote);
    }

    private static ModelPrice[] Choose(ModelPrice[][] sellers, string? seller, ref string note)
    {
        var own = seller is null ? null : sellers.FirstOrDefault(s => PriceSellers.Key(s[0].Provider) == seller);
        if (sellers.Length > 1)
        {
            var others = string.Join(", ", sellers.Where(s => s != (own ?? sellers[0])).Select(s => s[0].Provider ?? "(none)"));
            note = own is not null
                ? $" (provider '{seller}': its own entry; also sold by {others})"
                : $" ({sellers[0][0].Provider ?? "unstated"} entry, the lowest layer's; also sold by {others}: give --provider to choose)";
        }

        return own ?? sellers[0];
    }

    private IEnumerable<ModelNameCandidate> Candidates(string model, string? provider)
    {
        foreach (var candidate in ModelNameCandidates.For(model, provider).Take(1))
        {
            yield return candidate;
        }

        foreach (var (pattern, target) in _patterns)
        {
            if (Matches(pattern, model))
            {
                yield return new ModelNameCandidate($"pattern /{pattern}/", target);
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

    private static DateOnly Day(DateTimeOffset? at) => DateOnly.FromDateTime((at ?? DateTimeOffset.UtcNow).UtcDateTime);

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

    private sealed record Matched(ModelPrice[] Versions, string Rule, string Name);

    private sealed record Outcome(Matched? Matched, string? Warning);

    private static class BuiltInHolder
    {
        public static readonly PriceCatalog Instance = CreateBuilder().Build();
    }
}
