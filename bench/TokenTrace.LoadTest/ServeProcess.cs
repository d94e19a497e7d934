using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TokenTrace.LoadTest;

/// <summary>
/// One run of the real <c>tokentrace serve</c> (<c>dotnet TokenTrace.Cli.dll serve</c>), optionally under
/// <c>/usr/bin/time -v</c>. It watches the server's own log: the line that says where it listens, and each batch's
/// "N stored, M duplicates" line, so a caller can wait for "this many records stored" as a signal instead of polling.
/// Shared by the benchmark (bench/TokenTrace.LoadTest) and the CI-sized test (tests/TokenTrace.Server.Tests).
/// </summary>
internal sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(long Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly StringBuilder _log = new();
    private long _stored;
    private long _duplicates;

    private ServeProcess(Process process, string? timeFile)
    {
        _process = process;
        TimeFile = timeFile;
    }

    /// <summary>Where <c>/usr/bin/time -v</c> writes its report, when the server runs under it.</summary>
    public string? TimeFile { get; }

    /// <summary>Records the server's log says it stored (a lower bound after a SIGKILL: its last lines may be lost).</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Records the server's log says it already held when they were sent again.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Everything the server wrote, for a failure message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>serve</c> from <paramref name="cliDll"/> on <paramref name="port"/> (0: any free port) over
    /// <paramref name="ledgerSpec"/> with <paramref name="tokensFile"/>, its home <paramref name="home"/>; under
    /// <c>/usr/bin/time -v -o <paramref name="timeFile"/></c> when that is given.
    /// </summary>
    public static ServeProcess Start(string cliDll, string home, string ledgerSpec, string tokensFile, int port, string? timeFile = null)
    {
        var start = new ProcessStartInfo(timeFile is null ? "dotnet" : "/usr/bin/time")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        string[] time = timeFile is null ? [] : ["-v", "-o", timeFile, "dotnet"];
        foreach (var arg in time.Concat([cliDll, "serve", "--urls", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"), "--ledger", ledgerSpec, "--tokens", tokensFile]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        var serve = new ServeProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), timeFile);
        serve._process.OutputDataReceived += serve.Watch;
        serve._process.ErrorDataReceived += serve.Watch;
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        _ = serve._process.WaitForExitAsync().ContinueWith(_ => serve._listening.TrySetException(new InvalidOperationException("tokentrace serve exited before listening:\n" + serve.Log)), TaskScheduler.Default);
        return serve;
    }

    /// <summary>The server's base URL (ending in <c>/</c>), once it says it listens.</summary>
    public Task<Uri> ListeningAsync(TimeSpan timeout) => _listening.Task.WaitAsync(timeout);

    /// <summary>Completes when the server's log has counted at least <paramref name="count"/> stored records.</summary>
    public Task StoredAtLeastAsync(long count)
    {
        lock (_waiters)
        {
            if (Stored >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task;
        }
    }

    /// <summary>
    /// Kills the server with SIGKILL (<see cref="Process.Kill()"/> on Linux) — the <c>dotnet</c> process itself, not the
    /// <c>time</c> wrapper, which then reports it — and waits for it to be gone.
    /// </summary>
    public async Task KillAsync()
    {
        var target = TimeFile is null ? _process : Process.GetProcessById(ChildOf(_process.Id));
        target.Kill();
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Asks the server to stop (SIGTERM, as systemd does) and waits for it to exit; SIGKILL after <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        var target = TimeFile is null ? _process.Id : ChildOf(_process.Id);
        using (var kill = Process.Start("kill", ["-TERM", target.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    /// <summary>The one child of <paramref name="pid"/> (the server under <c>/usr/bin/time</c>), from <c>/proc</c>.</summary>
    private static int ChildOf(int pid)
    {
        var children = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/task/{pid}/children")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length == 1 ? int.Parse(children[0], NumberStyles.None, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"process {pid} has {children.Length} children, expected the server alone");
    }

    private void Watch(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not { } line)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }

        if (Listening().Match(line) is { Success: true } address)
        {
            _listening.TrySetResult(new Uri(address.Groups[1].Value.TrimEnd('/') + "/"));
        }
        else if (Batch().Match(line) is { Success: true } batch)
        {
            Interlocked.Add(ref _duplicates, long.Parse(batch.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture));
            var stored = Interlocked.Add(ref _stored, long.Parse(batch.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture));
            lock (_waiters)
            {
                foreach (var waiter in _waiters.Where(w => w.Count <= stored).ToList())
                {
                    waiter.Signal.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    [GeneratedRegex(@"\): (\d+) stored, (\d+) duplicates, \d+ rejected")]
    private static partial Regex Batch();
}
