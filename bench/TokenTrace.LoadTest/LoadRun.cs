using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Data.Sqlite;
using Npgsql;
using TokenTrace.Server;

namespace TokenTrace.LoadTest;

/// <summary>
/// The load test itself: <see cref="LoadRunSettings.Pushers"/> machines, each a real <c>tokentrace push</c> process over
/// its own SQLite ledger, push into one real <c>tokentrace serve</c>; once the server's log counts
/// <see cref="LoadRunSettings.KillAfterStored"/> records stored it is killed with SIGKILL and started again on the same
/// port, and the pushers must ride through the outage on their own retries. Then the server's ledger is counted with SQL.
/// </summary>
internal sealed class LoadRun(LoadRunSettings settings)
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(2);

    /// <summary>Runs it; <paramref name="log"/> hears each step.</summary>
    public async Task<LoadRunResult> RunAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var work = settings.WorkDirectory;
        Directory.CreateDirectory(work);
        var serverHome = Path.Combine(work, "server");
        Directory.CreateDirectory(serverHome);
        var ledgerSpec = settings.ServerLedger ?? "sqlite:" + Path.Combine(serverHome, "team.db");

        var generation = Stopwatch.StartNew();
        var specs = new string[settings.Pushers];
        // Two at a time: the machine has two cores, and each SQLite append is one thread.
        await Parallel.ForEachAsync(Enumerable.Range(0, settings.Pushers), new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (device, token) =>
            specs[device] = await DeviceLedgers.CreateAsync(work, device, settings.RecordsPerPusher, token).ConfigureAwait(false));
        log(string.Create(CultureInfo.InvariantCulture, $"generated {settings.Pushers} × {settings.RecordsPerPusher:N0} records in {generation.Elapsed.TotalSeconds:F1} s"));

        var tokensFile = Path.Combine(serverHome, "server-tokens.json");
        var writeTokens = Enumerable.Range(0, settings.Pushers)
            .Select(d => ServerTokenFile.Add(tokensFile, DeviceName(d), ServerTokenScope.Write, project: null, device: null)).ToArray();
        var readToken = ServerTokenFile.Add(tokensFile, "load-test-reader", ServerTokenScope.Read, project: null, device: null);

        var first = ServeProcess.Start(settings.CliDll, serverHome, ledgerSpec, tokensFile, 0, TimeFile(1));
        ServeProcess? second = null;
        try
        {
            var address = await first.ListeningAsync(StartLimit).ConfigureAwait(false);
            log($"server listening on {address}");
            using var reader = new HttpClient { BaseAddress = address };
            reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", readToken);

            var wall = Stopwatch.StartNew();
            var pushers = Enumerable.Range(0, settings.Pushers).Select(d =>
            {
                var home = Path.Combine(work, "home-" + DeviceName(d));
                Directory.CreateDirectory(home);
                // A fixed device id per machine, so reruns and the table name the same devices.
                File.WriteAllText(Path.Combine(home, "device-id"), string.Create(CultureInfo.InvariantCulture, $"00000000-0000-4000-8000-{d:D12}\n"));
                return PushProcess.Start(settings.CliDll, home, specs[d], address, writeTokens[d], DeviceName(d), settings.BatchSize);
            }).ToList();
            var receipts = Task.WhenAll(pushers.Select(p => p.WaitAsync(cancellationToken)));

            // The kill: on the server's own word that enough is stored, or when every pusher is done first (then no kill happened, which the result says).
            await Task.WhenAny(first.StoredAtLeastAsync(settings.KillAfterStored), receipts).ConfigureAwait(false);
            var runningAtKill = pushers.Count(p => p.Running);
            var firstLatency = LatencyHistogram.Parse(await reader.GetStringAsync("metrics", cancellationToken).ConfigureAwait(false));
            var outage = Stopwatch.StartNew();
            await first.KillAsync().ConfigureAwait(false);
            var storedSeenAtKill = first.Stored;
            log(string.Create(CultureInfo.InvariantCulture, $"SIGKILL at {wall.Elapsed.TotalSeconds:F1} s: the server had logged {storedSeenAtKill:N0} stored; {runningAtKill} pushers running"));

            second = ServeProcess.Start(settings.CliDll, serverHome, ledgerSpec, tokensFile, address.Port, TimeFile(2));
            await second.ListeningAsync(StartLimit).ConfigureAwait(false);
            var downFor = outage.Elapsed;
            log(string.Create(CultureInfo.InvariantCulture, $"restarted on {address} after {downFor.TotalSeconds:F1} s"));

            var done = await receipts.ConfigureAwait(false);
            var elapsed = wall.Elapsed;
            var secondLatency = LatencyHistogram.Parse(await reader.GetStringAsync("metrics", cancellationToken).ConfigureAwait(false));
            await second.StopAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
            var (rows, distinct) = await CountAsync(ledgerSpec, cancellationToken).ConfigureAwait(false);
            return new LoadRunResult(
                settings, rows, distinct, done, runningAtKill, storedSeenAtKill, second.Stored, second.Duplicates,
                elapsed, downFor, firstLatency.Add(secondLatency), [.. new[] { first.TimeFile, second.TimeFile }.OfType<string>()]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{ex.Message}\n--- first server ---\n{Tail(first.Log)}\n--- second server ---\n{Tail(second?.Log ?? "")}", ex);
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
        }
    }

    /// <summary>Device <paramref name="device"/>'s name (and its token's).</summary>
    public static string DeviceName(int device) => string.Create(CultureInfo.InvariantCulture, $"load-{device:D2}");

    /// <summary>Rows and distinct ids in the server's ledger, counted with SQL (not through the ledger's API).</summary>
    public static async Task<(long Rows, long Distinct)> CountAsync(string ledgerSpec, CancellationToken cancellationToken)
    {
        if (ledgerSpec.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            await using var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = ledgerSpec["sqlite:".Length..], Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await sqlite.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = sqlite.CreateCommand();
            command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT id) FROM usage";
            await using var row = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await row.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (row.GetInt64(0), row.GetInt64(1));
        }

        // postgres://user[:password]@host[:port]/database: the partitioned table keeps no unique id of its own (usage_ids
        // does), so a row stored twice would show here.
        var uri = new Uri(ledgerSpec);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host, Port = uri.IsDefaultPort ? 5432 : uri.Port, Database = uri.AbsolutePath.Trim('/'),
            Username = Uri.UnescapeDataString(user[0]), Pooling = false,
        };
        if (user.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(user[1]);
        }

        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT id) FROM usage", connection);
        await using var result = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await result.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (result.GetInt64(0), result.GetInt64(1));
    }

    private string? TimeFile(int run) => settings.TimeServer ? Path.Combine(settings.WorkDirectory, string.Create(CultureInfo.InvariantCulture, $"server-{run}.time")) : null;

    private static string Tail(string log) => log.Length > 4_000 ? log[^4_000..] : log;
}
