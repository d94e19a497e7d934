using System.Diagnostics;
using System.Globalization;

namespace TokenTrace.Tests;

/// <summary>Runs <c>TokenTrace.TrackerHost</c> (a tight recording loop through a tracker) as a real process.</summary>
public sealed class TrackerHostProcess : IDisposable
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "TokenTrace.TrackerHost.dll");
    private readonly Process _process;
    private readonly Task _reader;
    private readonly object _gate = new();
    private readonly List<(long Accepted, TaskCompletionSource Reached)> _waiters = [];
    private long _accepted;

    public TrackerHostProcess(string ledger, string spill, string prefix, long count, string queue, double failRate, long reportEvery)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (InterruptIgnored())
        {
            // A child inherits an ignored SIGINT/SIGQUIT and .NET keeps it ignored (a suite started in the background by a
            // non-interactive shell or under nohup ignores both): the host could never receive the signal under test.
            // Python puts them back to the default and execs the host in its place (same process id).
            start.FileName = "python3";
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGQUIT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])");
            start.ArgumentList.Add("dotnet");
        }

        foreach (var arg in new[] { Dll, ledger, spill, prefix, count.ToString(CultureInfo.InvariantCulture), queue, failRate.ToString(CultureInfo.InvariantCulture), reportEvery.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        Error = _process.StandardError.ReadToEndAsync();
        _reader = Task.Run(ReadAsync);
    }

    public int Id => _process.Id;

    /// <summary>Whether SIGINT or SIGQUIT is ignored in this process (Linux: the SigIgn mask of /proc/self/status).</summary>
    private static bool InterruptIgnored()
    {
        const string Status = "/proc/self/status";
        var line = File.Exists(Status) ? File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
            && (mask & 0b110) != 0; // bit 1: SIGINT (2), bit 2: SIGQUIT (3)
    }

    /// <summary>The highest count of records the child said had returned from <c>Record</c>.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>The "done SPILLED LOST" line, when the child finished on its own.</summary>
    public string? Done { get; private set; }

    public Task<string> Error { get; }

    /// <summary>Completes once the child reports at least <paramref name="accepted"/> records.</summary>
    public Task WhenAcceptedAsync(long accepted)
    {
        lock (_gate)
        {
            if (Accepted >= accepted)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((accepted, waiter));
            return waiter.Task;
        }
    }

    /// <summary>Sends a POSIX signal (TERM, INT…) with the system's <c>kill</c>.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        await _reader;
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("accepted ", StringComparison.Ordinal))
            {
                var accepted = long.Parse(line["accepted ".Length..], CultureInfo.InvariantCulture);
                lock (_gate)
                {
                    Interlocked.Exchange(ref _accepted, accepted);
                    foreach (var waiter in _waiters.Where(w => w.Accepted <= accepted).ToList())
                    {
                        waiter.Reached.TrySetResult();
                        _waiters.Remove(waiter);
                    }
                }
            }
            else if (line.StartsWith("done ", StringComparison.Ordinal))
            {
                Done = line;
            }
        }

        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                waiter.Reached.TrySetException(new InvalidOperationException($"the child exited after {Accepted} records"));
            }

            _waiters.Clear();
        }
    }
}
