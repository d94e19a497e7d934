namespace TokenTrace.Client;

/// <summary>Where a <see cref="RemoteUsageLedger"/> reads and writes: the server, the token, and how this machine is named.</summary>
public sealed class RemoteLedgerOptions
{
    /// <summary>
    /// The server's base address (<c>https://tokentrace.example.com/</c>, or <c>http://</c> to a loopback host). It may not
    /// carry a user name, a password or a query: a token in a URL ends up in shell history and logs.
    /// </summary>
    public required Uri Server { get; init; }

    /// <summary>
    /// The bearer token (a read token for views, a write token to append records and reserve budget room), or null to send
    /// none (the server then answers 401, reported as a missing token).
    /// </summary>
    public string? Token { get; init; }

    /// <summary>The device id sent with appended records (the server stamps it as the <c>device</c> tag); null sends none.</summary>
    public string? DeviceId { get; init; }

    /// <summary>The device's readable name (the <c>device.name</c> tag, what <c>--by device</c> groups by); the id when null.</summary>
    public string? DeviceName { get; init; }

    /// <summary>
    /// Attempts per request, the first included: network failures, timeouts, 408, 429 and 5xx are tried again with
    /// exponential backoff. 3 by default; 1 turns retries off.
    /// </summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The first retry's delay (it doubles, with jitter). Half a second by default.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest one attempt of a read or an append may take before it counts as failed (and is tried again). 10 seconds
    /// by default: appends come from the tracker's background writer, which retries and then spills, never from the caller.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The whole time a budget reservation or settlement may take (one attempt, never retried: it sits in front of, or
    /// right after, the app's model call). 2 seconds by default; when it passes the call goes ahead unreserved (logged)
    /// or the reservation is left to expire.
    /// </summary>
    public TimeSpan BudgetTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long requests fail at once after the server failed several in a row (a circuit breaker), so an outage costs
    /// the app no waiting at all. 15 seconds by default.
    /// </summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Where permanent refusals of a budget reservation (a budget the server does not know, a refused token) are logged as errors; none when null.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Records asked for per <c>GET /v1/records</c> page while reading. 10,000 by default.</summary>
    public int ReadPageSize { get; init; } = 10_000;

    /// <summary>The innermost handler (tests, proxies, client certificates); a <see cref="SocketsHttpHandler"/> when null.</summary>
    public HttpMessageHandler? Handler { get; init; }
}
