using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster for one test run: a temporary data folder owned by a non-root user (PostgreSQL refuses
/// to run as root, so <c>postgres</c> through <c>runuser</c> when the tests run as root, otherwise the current user),
/// <c>initdb</c> with UTF-8 and trust authentication on loopback only, <c>pg_ctl start</c> on a free port of 127.0.0.1
/// with its socket in the temporary folder, and at the end <c>pg_ctl stop -m fast</c> and the folder deleted.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    /// <summary>The cluster's superuser (initdb -U), the same whoever runs the tests.</summary>
    public const string Superuser = "postgres";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private int _databases;
    private string? _bin;

    /// <summary>The temporary folder: data folder, log and socket.</summary>
    /// <remarks>Under /tmp when running as root: the temp folder root's TMPDIR may point to is not reachable by <c>postgres</c>.</remarks>
    public string Root { get; } = Path.Combine(AsRoot ? "/tmp" : Path.GetTempPath(), "tokentrace-pg-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The TCP port the server listens on (127.0.0.1).</summary>
    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(Root, "data");

    private string LogFile => Path.Combine(Root, "server.log");

    /// <summary>Whether the tests run as root, when the cluster must belong to another user.</summary>
    private static bool AsRoot => Environment.IsPrivilegedProcess && !OperatingSystem.IsWindows();

    /// <summary>A spec for <paramref name="database"/> on this server, as a user would write it.</summary>
    public string Spec(string database) => string.Create(CultureInfo.InvariantCulture, $"postgres://{Superuser}@127.0.0.1:{Port}/{database}");

    /// <summary>A connection string for administration (the <c>postgres</c> database).</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = Superuser, Database = "postgres", Pooling = false,
    }.ConnectionString;

    /// <summary>A connection string for the superuser in <paramref name="database"/>, without pooling.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>Runs <paramref name="sql"/> as the superuser in <paramref name="database"/>; its first value as invariant text ("" for none).</summary>
    public async Task<string> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>Creates a new empty database and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture);
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        Directory.CreateDirectory(Root);
        if (AsRoot)
        {
            // The cluster's files must belong to the user that runs it; the folder is where its socket goes too.
            await RunAsync("chown", ["postgres:postgres", Root], asServerUser: false);
        }

        await RunAsync(Path.Combine(_bin, "initdb"),
            ["-D", DataDirectory, "-U", Superuser, "-E", "UTF8", "--no-locale", "--auth-local=trust", "--auth-host=trust", "--no-sync"], asServerUser: true);

        // A free port can be taken by someone else between the probe and the start: try a few.
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Port = FreePort();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                await StopAsync();
            }
        }

        throw new InvalidOperationException("the test PostgreSQL server did not start", last);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_bin is not null && Directory.Exists(DataDirectory))
        {
            await StopAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task StartAsync()
    {
        // Only 127.0.0.1 listens (pg_hba's host lines from initdb are loopback only); fsync is off because the
        // cluster is thrown away, which keeps CREATE DATABASE and commits cheap on a shared machine.
        var options = string.Create(CultureInfo.InvariantCulture,
            $"-p {Port} -k {Root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300");
        await RunAsync(Path.Combine(_bin!, "pg_ctl"), ["start", "-D", DataDirectory, "-l", LogFile, "-o", options, "-W"], asServerUser: true);

        // pg_ctl -W returns at once: poll until the server accepts a connection, within a bound, and stop early when it died.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString + ";Timeout=5");
                await connection.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
            {
                if (deadline.Elapsed > ReadyTimeout || !File.Exists(Path.Combine(DataDirectory, "postmaster.pid")) && deadline.Elapsed > TimeSpan.FromSeconds(5))
                {
                    throw new InvalidOperationException($"PostgreSQL on 127.0.0.1:{Port} did not accept connections within {ReadyTimeout.TotalSeconds} s: {ex.Message}\n{Log()}", ex);
                }
            }

            await Task.Delay(50);
        }
    }

    private async Task StopAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_bin!, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], asServerUser: true);
        }
        catch (InvalidOperationException)
        {
            // Not running (a failed start): nothing to stop.
        }
    }

    private string Log()
    {
        try
        {
            return File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no server log)";
        }
        catch (IOException ex)
        {
            return "(server log unreadable: " + ex.Message + ")";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The folder holding <c>initdb</c> and <c>pg_ctl</c>: <c>TOKENTRACE_PG_BIN</c>, then PATH, then Debian's
    /// <c>/usr/lib/postgresql/VERSION/bin</c> (the newest), where the package puts them without touching PATH.
    /// </summary>
    private static string FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("TOKENTRACE_PG_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.EnumerateDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
                .Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found in TOKENTRACE_PG_BIN, on PATH or in /usr/lib/postgresql/*/bin: " +
                "install Debian's postgresql package (apt-get install postgresql; .ci/run does) or point TOKENTRACE_PG_BIN at the folder holding them");
    }

    /// <summary>Runs a program (as the cluster's owner when <paramref name="asServerUser"/> and the tests run as root); throws with its output when it fails.</summary>
    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asServerUser)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asServerUser && AsRoot)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The server's messages in English and its locale from initdb, whatever the runner's environment.
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANG"] = "C";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var hint = asServerUser && AsRoot ? " (run as the OS user 'postgres' through runuser; Debian's postgresql package creates it)" : "";
            throw new InvalidOperationException(
                $"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}{hint}:\n{await output}{await error}");
        }

    }
}
