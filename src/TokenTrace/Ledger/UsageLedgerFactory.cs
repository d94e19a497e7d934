namespace TokenTrace;

/// <summary>
/// Opens a ledger from its spec string. JSONL and CSV are built in; other stores register themselves
/// (<c>factory.AddSqlite()</c> from TokenTrace.Sqlite), so a program pulls in only the stores it uses.
/// </summary>
public sealed class UsageLedgerFactory
{
    private readonly Dictionary<string, Func<LedgerSpec, FileLedgerOptions, IUsageLedger>> _openers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["jsonl"] = static (spec, options) => new JsonlUsageLedger(spec.Location, options),
        ["csv"] = static (spec, options) => new CsvUsageLedger(spec.Location, options),
    };

    /// <summary>Registers how to open ledgers of <paramref name="scheme"/>.</summary>
    public UsageLedgerFactory Register(string scheme, Func<LedgerSpec, FileLedgerOptions, IUsageLedger> open)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        _openers[scheme] = open ?? throw new ArgumentNullException(nameof(open));
        return this;
    }

    /// <summary>Opens the ledger <paramref name="spec"/> names.</summary>
    /// <exception cref="FormatException">The spec is malformed or names a store this program does not include.</exception>
    public IUsageLedger Open(string spec, FileLedgerOptions? options = null)
    {
        var parsed = LedgerSpec.Parse(spec);
        return _openers.TryGetValue(parsed.Scheme, out var open)
            ? open(parsed, options ?? new FileLedgerOptions())
            : throw new FormatException($"ledger '{spec}': {parsed.Scheme} ledgers are not available in this build");
    }
}
