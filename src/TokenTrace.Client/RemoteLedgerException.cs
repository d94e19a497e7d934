namespace TokenTrace.Client;

/// <summary>
/// A TokenTrace server refused a request of a <see cref="RemoteUsageLedger"/> (no token, a token without the right, a
/// budget it does not know, a record it rejected) or answered something other than a TokenTrace server would. An
/// <see cref="IOException"/>, so a budget reservation that cannot be released is left to expire, as with a local ledger.
/// The message names the server (scheme, host and port only) and what to do; it never holds the token.
/// </summary>
public sealed class RemoteLedgerException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RemoteLedgerException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RemoteLedgerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RemoteLedgerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an HTTP answer with <paramref name="statusCode"/>.</summary>
    public RemoteLedgerException(string message, int statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the server answered, or null when there was no answer to blame.</summary>
    public int? StatusCode { get; }

    /// <summary>Whether the server refused the token: none sent, unknown (401), or without the right (403).</summary>
    public bool IsAuthorizationFailure => StatusCode is 401 or 403;
}
