namespace TokenTrace.Client;

/// <summary>Where and how <see cref="UsagePusher"/> sends a ledger's new records.</summary>
public sealed class UsagePushOptions
{
    /// <summary>The server's base URL (<c>https://…</c>, or <c>http://</c> to a loopback host).</summary>
    public required Uri Server { get; init; }

    /// <summary>A write token of the server.</summary>
    public required string Token { get; init; }

    /// <summary>This machine's stable id (<see cref="DeviceIdentity.LoadOrCreate"/>).</summary>
    public required string DeviceId { get; init; }

    /// <summary>This machine's name as the server shows it; the host name by default.</summary>
    public string DeviceName { get; init; } = Environment.MachineName;

    /// <summary>The folder the cursors are kept in (one file per server and ledger).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Records per request (one gzip JSONL body each); 5,000 by default.</summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>Attempts per batch, the first included; network failures, 408, 429 and 5xx are retried. 6 by default.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The first retry's delay; each next one doubles it (with jitter), or follows the server's <c>Retry-After</c>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock the retry delays run on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The handler requests go through (a test's, a proxy's); a new <see cref="SocketsHttpHandler"/> when null.</summary>
    public HttpMessageHandler? Handler { get; init; }
}
