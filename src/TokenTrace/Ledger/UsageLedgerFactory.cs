namespace TokenTrace;

/// <summary>
/// The ledger registry: opens a ledger from its spec string. JSONL and CSV are built in; every other store's package
/// adds its scheme (<c>factory.AddSqlite()</c> from TokenTrace.Sqlite, <c>postgres://</c> from TokenTrace.PostgreSql),
/// so a program pulls in only the stores it uses and a third party's store plugs in without touching the core.
/// </summary>
public sealed class UsageLedgerFactory
{
    private readonly Dictionary<string, Func<LedgerSpec, LedgerOpenContext, IUsageLedger>> _openers = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Suffix, string Scheme)> _pathSuffixes = [];

    /// <summary>Creates a registry that knows the built-in <c>jsonl:</c> and <c>csv:</c> stores.</summary>
    public UsageLedgerFactory()
    {
        Register("jsonl", static (spec, context) => ThrowIfMissing(new JsonlUsageLedger(spec.Location, context.Files), l => l.Exists, spec, context));
        Register("csv", static (spec, context) => ThrowIfMissing(new CsvUsageLedger(spec.Location, context.Files), l => l.Exists, spec, context));
    }

    /// <summary>The schemes this registry can open, sorted.</summary>
    public IReadOnlyList<string> Schemes => [.. _openers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers how to open ledgers of <paramref name="scheme"/> (replacing any earlier registration).</summary>
    /// <exception cref="ArgumentException">The scheme is not a URI scheme name (a letter, then letters, digits, <c>+ - .</c>).</exception>
    public UsageLedgerFactory Register(string scheme, Func<LedgerSpec, LedgerOpenContext, IUsageLedger> open)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        ArgumentNullException.ThrowIfNull(open);
        if (scheme.Length < 2 || !LedgerSpec.TryParse(scheme + ":x", out var parsed) || !string.Equals(parsed!.Scheme, scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{scheme}' is not a scheme name (two or more characters: a letter, then letters, digits, + - .)", nameof(scheme));
        }

        _openers[scheme] = open;
        return this;
    }

    /// <summary>
    /// Wraps every ledger of <paramref name="scheme"/> this registry opens in what <paramref name="decorate"/> returns (an
    /// analytical copy, a cache): the scheme keeps its opener, and a package adds a capability without replacing it.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="scheme"/> is not registered yet.</exception>
    public UsageLedgerFactory Decorate(string scheme, Func<IUsageLedger, LedgerSpec, LedgerOpenContext, IUsageLedger> decorate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        ArgumentNullException.ThrowIfNull(decorate);
        if (!_openers.TryGetValue(scheme, out var open))
        {
            throw new InvalidOperationException($"no ledger scheme '{scheme}' is registered to decorate; register it first");
        }

        _openers[scheme] = (spec, context) => decorate(open(spec, context), spec, context);
        return this;
    }

    /// <summary>Lets a bare path ending in <paramref name="suffix"/> (such as <c>.db</c>) name a ledger of <paramref name="scheme"/>.</summary>
    public UsageLedgerFactory RegisterPathSuffix(string suffix, string scheme)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(suffix);
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        _pathSuffixes.Add((suffix, scheme.ToLowerInvariant()));
        return this;
    }

    /// <summary>Reads a spec string against the registered schemes.</summary>
    /// <exception cref="FormatException">The spec is malformed or names a store this program does not include.</exception>
    public LedgerSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!LedgerSpec.TryParse(spec, out var parsed))
        {
            var text = spec.Trim();
            foreach (var (suffix, scheme) in _pathSuffixes)
            {
                if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                {
                    return new LedgerSpec(scheme, LedgerSpec.ExpandHome(text));
                }
            }

            throw new FormatException($"ledger '{spec}': expected SCHEME:LOCATION or a URL, with a scheme this program knows ({Known()})");
        }

        return _openers.ContainsKey(parsed!.Scheme)
            ? parsed
            : throw new FormatException($"ledger '{spec}': {parsed.Scheme} ledgers are not available in this program (it knows {Known()})");
    }

    /// <summary>Opens the ledger <paramref name="spec"/> names.</summary>
    /// <exception cref="FormatException">The spec is malformed or names a store this program does not include.</exception>
    public IUsageLedger Open(string spec, LedgerOpenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parsed = Parse(spec);
        return _openers[parsed.Scheme](parsed, context);
    }

    /// <summary>Opens the ledger <paramref name="spec"/> names, with default options.</summary>
    /// <exception cref="FormatException">The spec is malformed or names a store this program does not include.</exception>
    public IUsageLedger Open(string spec) => Open(spec, new LedgerOpenContext());

    /// <summary>Opens the ledger <paramref name="spec"/> names, with <paramref name="files"/> for file-based stores.</summary>
    /// <exception cref="FormatException">The spec is malformed or names a store this program does not include.</exception>
    public IUsageLedger Open(string spec, FileLedgerOptions files) =>
        Open(spec, new LedgerOpenContext { Files = files ?? throw new ArgumentNullException(nameof(files)) });

    /// <summary>
    /// For stores that create their files on first write: throws when <paramref name="context"/> asks for an existing
    /// ledger and <paramref name="exists"/> says there is none. Constructing these ledgers touches no file, so checking
    /// after construction creates nothing. Something of the wrong kind at the location (a file where a folder belongs)
    /// is left to the store, whose message says what it found.
    /// </summary>
    private static TLedger ThrowIfMissing<TLedger>(TLedger ledger, Func<TLedger, bool> exists, LedgerSpec spec, LedgerOpenContext context)
        where TLedger : IUsageLedger
    {
        context.ThrowIfMissing(spec, exists(ledger));
        return ledger;
    }

    private string Known() => string.Join(", ", Schemes.Select(s => s + ":")) + (_pathSuffixes.Count == 0 ? "" : ", or a path ending in " + string.Join(" or ", _pathSuffixes.Select(p => p.Suffix)));
}
