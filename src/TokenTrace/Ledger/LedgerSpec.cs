namespace TokenTrace;

/// <summary>
/// A ledger named by one string, the same everywhere (<c>--ledger</c>, <c>TOKENTRACE_LEDGER</c>, the config file):
/// <c>SCHEME:LOCATION</c> (<c>sqlite:PATH</c>, <c>jsonl:DIR</c>, <c>csv:FILE</c>) or a URL (<c>postgres://…</c>).
/// Which schemes exist is up to the <see cref="UsageLedgerFactory"/> a program builds; this type only reads the syntax.
/// </summary>
/// <param name="Scheme">The store kind, lower case: <c>sqlite</c>, <c>jsonl</c>, <c>csv</c>, <c>postgres</c>…</param>
/// <param name="Location">The path (with <c>~</c> expanded), or the whole URL for URL-style specs.</param>
public sealed record LedgerSpec(string Scheme, string Location)
{
    /// <summary>Whether the spec is a URL (<c>scheme://…</c>), whose <see cref="Location"/> is the whole string.</summary>
    public bool IsUrl => Location.StartsWith(Scheme + "://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads <c>SCHEME:LOCATION</c> or <c>SCHEME://…</c>; false when <paramref name="text"/> has no scheme.</summary>
    /// <exception cref="FormatException">The scheme is present but nothing follows it.</exception>
    public static bool TryParse(string text, out LedgerSpec? spec)
    {
        ArgumentNullException.ThrowIfNull(text);
        spec = null;
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);

        // One letter before the colon is a Windows drive (C:\…), not a scheme.
        if (colon < 2 || !IsScheme(trimmed.AsSpan(0, colon)))
        {
            return false;
        }

        var scheme = trimmed[..colon].ToLowerInvariant();
        var rest = trimmed[(colon + 1)..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            spec = rest.Length > 2 ? new LedgerSpec(scheme, scheme + trimmed[colon..]) : throw Empty(text, scheme);
            return true;
        }

        spec = rest.Length > 0 ? new LedgerSpec(scheme, ExpandHome(rest)) : throw Empty(text, scheme);
        return true;
    }

    /// <summary>Parses a spec string that has a scheme.</summary>
    /// <exception cref="FormatException">The string has no scheme, or nothing after it.</exception>
    public static LedgerSpec Parse(string text) =>
        TryParse(text, out var spec) ? spec! : throw new FormatException($"ledger '{text}': expected SCHEME:LOCATION (sqlite:PATH, jsonl:DIR, csv:FILE) or a URL");

    /// <summary>The canonical spec string.</summary>
    public override string ToString() => IsUrl ? Location : $"{Scheme}:{Location}";

    /// <summary>Replaces a leading <c>~</c> with the user's home folder.</summary>
    public static string ExpandHome(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
    }

    private static bool IsScheme(ReadOnlySpan<char> text)
    {
        if (!char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static FormatException Empty(string text, string scheme) =>
        new($"ledger '{text}': '{scheme}:' needs a location after the colon");
}
