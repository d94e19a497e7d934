namespace TokenTrace;

/// <summary>
/// Which URLs TokenTrace sends to (webhooks) or fetches from (price catalogues): <c>https</c>, or <c>http</c> to a
/// loopback host when insecure HTTP is explicitly allowed. Alerts carry spend, catalogues set what calls cost, and
/// webhook URLs often carry tokens: none of them should cross a network in clear text.
/// </summary>
public static class RemoteUrlPolicy
{
    /// <summary>Null when <paramref name="url"/> may be used; otherwise why not, without the URL's path or query (they may hold tokens).</summary>
    /// <param name="url">An absolute URL.</param>
    /// <param name="allowInsecureHttp">Whether <c>http</c> to a loopback host is allowed.</param>
    public static string? Check(Uri url, bool allowInsecureHttp)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return "expected an absolute https URL";
        }

        if (url.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }

        if (!allowInsecureHttp)
        {
            return $"{Describe(url)}: plain http is refused; use https (http is allowed only to a loopback host, with allowInsecureHttp / --allow-insecure-http)";
        }

        return url.IsLoopback ? null : $"{Describe(url)}: plain http is allowed only to a loopback host (localhost, 127.0.0.1, ::1), even with allowInsecureHttp";
    }

    /// <summary>The URL's scheme, host and port only, for messages and logs: paths and queries of webhook URLs often hold tokens.</summary>
    public static string Describe(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri ? $"{url.Scheme}://{url.Authority}/…" : "(a relative URL)";
    }
}
