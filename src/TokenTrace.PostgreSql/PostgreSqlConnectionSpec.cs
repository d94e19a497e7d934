using System.Globalization;
using Npgsql;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Reads a ledger URL, <c>postgres://user[:password]@host[:port]/database[?key=value&amp;…]</c> (or <c>postgresql://</c>),
/// into an Npgsql connection string, and the same URL for display: without its password, and without the ledger's own
/// options.
/// </summary>
/// <remarks>
/// Query keys are Npgsql connection-string keywords (<c>sslmode=require</c>, <c>timeout=5</c>,
/// <c>host=/var/run/postgresql</c> for a Unix socket folder), and the ledger's own <c>fold_after</c> and
/// <c>summary_fold_after</c> (<see cref="PostgreSqlLedgerOptions"/>). Without a password in the URL, Npgsql reads
/// <c>PGPASSWORD</c> or <c>~/.pgpass</c>, so a secret need not appear on a command line.
/// </remarks>
internal static class PostgreSqlConnectionSpec
{
    /// <summary>Parses <paramref name="url"/>.</summary>
    /// <exception cref="FormatException">The URL is malformed or names an unknown option; the message says which.</exception>
    public static (string ConnectionString, string Display, long? FoldAfter, long? SummaryFoldAfter) Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = url.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql"))
        {
            throw new FormatException($"ledger '{Redact(text)}': expected postgres://user@host:port/database (or postgresql://…)");
        }

        var builder = new NpgsqlConnectionStringBuilder();
        if (uri.Host.Length > 0)
        {
            builder.Host = uri.Host.Trim('[', ']');
        }

        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        var userInfo = uri.UserInfo;
        if (userInfo.Length > 0)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new FormatException($"ledger '{Redact(text)}': name the database after the host, as in postgres://user@host:5432/tokentrace");
        }

        builder.Database = database;
        long? foldAfter = null, summaryFoldAfter = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Key(pair, equals);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (key.Equals("fold_after", StringComparison.OrdinalIgnoreCase))
            {
                foldAfter = Records(text, "fold_after", value);
                continue;
            }

            if (key.Equals("summary_fold_after", StringComparison.OrdinalIgnoreCase))
            {
                summaryFoldAfter = Records(text, "summary_fold_after", value);
                continue;
            }

            try
            {
                builder[key] = value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                // Neither the value nor its pair in the URL is repeated: under a mistyped key ("passwrd") it may be a password.
                var shown = Without(text, k => IsSecret(k) || string.Equals(k, key, StringComparison.Ordinal));
                throw new FormatException($"ledger '{shown}': option '{key}' is not a PostgreSQL connection option Npgsql knows, or its value is not one for it ({ex.Message})", ex);
            }
        }

        builder.ApplicationName ??= "tokentrace";
        if (builder.Host is null)
        {
            throw new FormatException($"ledger '{Redact(text)}': name the host, as in postgres://user@localhost/tokentrace (or ?host=/var/run/postgresql for a socket folder)");
        }

        // The display leaves out the ledger's own options, so that tuning a fold threshold does not change the ledger's
        // Spec: the coding-agent sync names its cursor file after it, and a new name would read every agent file again.
        return (builder.ConnectionString, Without(text, key => IsSecret(key) || IsLedgerOption(key)), foldAfter, summaryFoldAfter);
    }

    /// <summary>A fold threshold: a whole number of records, at least 1, in invariant digits (no sign, separator or exponent).</summary>
    private static long Records(string url, string option, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var records) && records >= 1
            ? records
            : throw new FormatException($"ledger '{Redact(url)}': option '{option}' must be a whole number of records, at least 1 (as in {option}=100000), not '{value}'");

    /// <summary>
    /// The URL without its password (in the user part, or a query option Npgsql reads as a password: <c>password</c>,
    /// <c>pwd</c>, <c>psw</c>, <c>ssl password</c>, <c>sslpassword</c>, in any case and percent-encoding), safe for messages.
    /// </summary>
    public static string Redact(string url) => Without(url, IsSecret);

    /// <summary>The query key of <paramref name="pair"/> as the parser reads it: percent-decoded, <c>+</c> as a space.</summary>
    private static string Key(string pair, int equals) =>
        Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).Replace('+', ' ')).Trim();

    /// <summary>
    /// Whether Npgsql reads <paramref name="key"/> as a password. Its keywords are compared case-insensitively, with
    /// synonyms (<c>pwd</c>, <c>psw</c>, <c>ssl password</c> and <c>sslpassword</c>), so ask it rather than keep a list.
    /// </summary>
    private static bool IsSecret(string key)
    {
        if (key.Contains("password", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var probe = new NpgsqlConnectionStringBuilder();
        try
        {
            probe[key] = "x";
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return false;
        }

        return probe.Password is not null || probe.SslPassword is not null;
    }

    private static bool IsLedgerOption(string key) =>
        key.Equals("fold_after", StringComparison.OrdinalIgnoreCase) || key.Equals("summary_fold_after", StringComparison.OrdinalIgnoreCase);

    /// <summary>The URL without the password of its user part and without the query pairs whose key <paramref name="drop"/> names.</summary>
    private static string Without(string url, Func<string, bool> drop)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var query = url.IndexOf('?', StringComparison.Ordinal);
        var at = url.LastIndexOf('@', query < 0 ? url.Length - 1 : query);
        if (scheme >= 0 && at > scheme)
        {
            var colon = url.IndexOf(':', scheme + 3);
            if (colon > 0 && colon < at)
            {
                url = string.Create(CultureInfo.InvariantCulture, $"{url[..colon]}{url[at..]}");
                query = url.IndexOf('?', StringComparison.Ordinal);
            }
        }

        if (query < 0)
        {
            return url;
        }

        var kept = url[(query + 1)..].Split('&').Where(pair => !drop(Key(pair, pair.IndexOf('=', StringComparison.Ordinal))));
        var rest = string.Join('&', kept);
        return rest.Length == 0 ? url[..query] : url[..(query + 1)] + rest;
    }
}
