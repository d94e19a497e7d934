namespace TokenTrace.Client;

/// <summary>Registers TokenTrace servers as ledgers (<c>https://…</c>, and <c>http://</c> to a loopback host) with a <see cref="UsageLedgerFactory"/>.</summary>
public static class RemoteLedgerFactoryExtensions
{
    /// <summary>The environment variable the token is read from when none is given.</summary>
    public const string TokenVariable = "TOKENTRACE_TOKEN";

    /// <summary>The environment variable naming this device to the server (the <c>device</c> and <c>device.name</c> tags); the machine's name when unset.</summary>
    public const string DeviceVariable = "TOKENTRACE_DEVICE";

    /// <summary>
    /// Lets <paramref name="factory"/> open <c>https://server</c> and <c>http://127.0.0.1:PORT</c> specs as a
    /// <see cref="RemoteUsageLedger"/>. The token is <paramref name="token"/>, else <c>TOKENTRACE_TOKEN</c>, read when a
    /// ledger is opened; never the URL (one carrying a user name, password or query is refused).
    /// </summary>
    /// <param name="factory">The registry.</param>
    /// <param name="token">The bearer token, or null to read <c>TOKENTRACE_TOKEN</c>.</param>
    /// <param name="configure">Changes the options of each ledger opened (device, retries, a handler), given those made from the spec.</param>
    public static UsageLedgerFactory AddRemoteLedger(this UsageLedgerFactory factory, string? token = null, Func<RemoteLedgerOptions, RemoteLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        IUsageLedger Open(LedgerSpec spec, LedgerOpenContext context)
        {
            if (!Uri.TryCreate(spec.Location, UriKind.Absolute, out var server))
            {
                throw new FormatException($"ledger '{spec.Scheme}://…': not a URL; expected https://HOST[:PORT][/PATH]");
            }

            var device = Environment.GetEnvironmentVariable(DeviceVariable) is { Length: > 0 } named ? named.Trim() : Environment.MachineName;
            var options = new RemoteLedgerOptions
            {
                Server = server,
                Token = token ?? (Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null),
                DeviceId = device,
                DeviceName = device,
                LoggerFactory = context.LoggerFactory,
            };
            return new RemoteUsageLedger(configure is null ? options : configure(options));
        }

        return factory.Register("https", Open).Register("http", Open);
    }
}
