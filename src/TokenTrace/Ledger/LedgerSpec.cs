namespace TokenTrace;

/// <summary>
/// A ledger named by one string, the same everywhere (<c>--ledger</c>, <c>TOKENTRACE_LEDGER</c>, the config file):
/// <c>sqlite:PATH</c> (or a bare path ending in <c>.db</c>), <c>jsonl:DIR</c>, <c>csv:FILE</c>, <c>postgres://…</c>.
/// </summary>
/// <param name="Scheme">The store kind: <c>sqlite</c>, <c>jsonl</c>, <c>csv</c>, <c>postgres</c>.</param>
/// <param name="Location">The path (with <c>~</c> expanded) or connection string.</param>
public sealed record LedgerSpec(string Scheme, string Location)
{
    /// <summary>Parses a spec string.</summary>
    /// <exception cref="FormatException">The string names no known kind of ledger.</exception>
    public static LedgerSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Trim();
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new LedgerSpec("postgres", text);
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 1)
        {
            var scheme = text[..colon].ToLowerInvariant();
            var location = text[(colon + 1)..];
            if (scheme is "sqlite" or "jsonl" or "csv")
            {
                return location.Length == 0
                    ? throw new FormatException($"ledger '{spec}': '{scheme}:' needs a path after the colon")
                    : new LedgerSpec(scheme, ExpandHome(location));
            }
        }

        if (text.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || text.EndsWith(".sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return new LedgerSpec("sqlite", ExpandHome(text));
        }

        throw new FormatException($"ledger '{spec}': expected sqlite:PATH, a path ending in .db, jsonl:DIR, csv:FILE or postgres://…");
    }

    /// <summary>The canonical spec string.</summary>
    public override string ToString() => Scheme == "postgres" ? Location : $"{Scheme}:{Location}";

    /// <summary>Replaces a leading <c>~</c> with the user's home folder.</summary>
    public static string ExpandHome(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
    }
}
