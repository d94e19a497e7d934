namespace TokenTrace.Client;

/// <summary>Registers TokenTrace servers as ledgers (<c>https://…</c>, and <c>http://</c> to a loopback host) with a <see cref="UsageLedgerFactory"/>.</summary>
public static class RemoteLedgerFactoryExtensions
{
    /// <summary>The environment variable the token is read from when none is given.</summary>
    public const string TokenVariable = "TOKENTRACE_TOKEN";

    /// <summary>The environment variable naming this device to the server (the <c>device.name</c> tag, and the <c>device</c> id unless a device-id folder is given); the machine's name when unset.</summary>
    public const string DeviceVariable = "TOKENTRACE_DEVICE";

    /// <summary>
    /// Lets <paramref name="factory"/> open <c>https://server</c> and <c>http://127.0.0.1:PORT</c> specs as a
    /// <see cref="RemoteUsageLedger"/>. The token is <paramref name="token"/>, else <c>TOKENTRACE_TOKEN</c>, read when a
    /// ledger is opened; never the URL (one carrying a user name, password or query is refused).
    /// </summary>
    /// <param name="factory">The registry.</param>
    /// <param name="token">The bearer token, or null to read <c>TOKENTRACE_TOKEN</c>.</param>
    /// <param name="configure">Changes the options of each ledger opened (device, retries, a handler), given those made from the spec.</param>
    /// <param name="deviceIdDirectory">
    /// The folder keeping this machine's device id (<see cref="DeviceIdentity"/>, as <c>tokentrace push</c> keeps it), so
    /// appends and pushes from one machine carry one id and a token bound to that device accepts both; null sends the
    /// device's name as its id.
    /// </param>
    public static UsageLedgerFactory AddRemoteLedger(this UsageLedgerFactory factory, string? token = null, Func<RemoteLedgerOptions, RemoteLedgerOptions>? configure = null, string? deviceIdDirectory = null)
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
                DeviceId = deviceIdDirectory is null ? device : DeviceIdOrName(deviceIdDirectory, device),
                DeviceName = device,
                LoggerFactory = context.LoggerFactory,
            };
            return new RemoteUsageLedger(configure is null ? options : configure(options));
        }

        return factory.Register("https", Open).Register("http", Open);
    }

    /// <summary>The id kept in <paramref name="directory"/>, or the device's name where that folder cannot be written (a read-only home still reads).</summary>
    private static string DeviceIdOrName(string directory, string name)
    {
        try
        {
            return DeviceIdentity.LoadOrCreate(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return name;
        }
    }
}
