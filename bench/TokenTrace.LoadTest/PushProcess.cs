using System.Diagnostics;
using System.Text.Json;

namespace TokenTrace.LoadTest;

/// <summary>
/// One real <c>tokentrace push</c> process: a "machine" with its own home (device id, cursor) and SQLite ledger,
/// sending to the server with its own write token. Its <c>--format json</c> answer is read when it exits.
/// </summary>
internal sealed class PushProcess
{
    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _error;
    private readonly Lock _gate = new();
    private bool _disposed;

    private PushProcess(string device, Process process)
    {
        Device = device;
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The device name it pushes as.</summary>
    public string Device { get; }

    /// <summary>Whether it is still running (false once <see cref="WaitAsync"/> has seen it exit and let it go).</summary>
    public bool Running
    {
        get
        {
            // A push that finished before the others is disposed by WaitAsync: asking a disposed Process threw.
            lock (_gate)
            {
                return !_disposed && !_process.HasExited;
            }
        }
    }

    /// <summary>
    /// Starts <c>push --to <paramref name="server"/></c> of <paramref name="ledgerSpec"/> as device
    /// <paramref name="device"/> (home <paramref name="home"/>), <paramref name="batchSize"/> records a request.
    /// </summary>
    public static PushProcess Start(string cliDll, string home, string ledgerSpec, Uri server, string token, string device, int batchSize)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        foreach (var arg in new[] { cliDll, "push", "--to", server.AbsoluteUri, "--ledger", ledgerSpec, "--device-name", device, "--batch-size", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "--format", "json" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        start.Environment["TOKENTRACE_PUSH_TOKEN"] = token;
        // The real retry policy (first delay 1 s, doubling): what a machine's cron job runs with.
        start.Environment["TOKENTRACE_PUSH_RETRY_DELAY_MS"] = null;
        return new PushProcess(device, Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits for it to exit: its exit code, its receipt (pushed, stored, duplicates), and what it wrote to standard error.</summary>
    public async Task<PushReceipt> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await _output.ConfigureAwait(false);
        var error = await _error.ConfigureAwait(false);
        long pushed = 0, stored = 0, duplicates = 0;
        if (_process.ExitCode == 0)
        {
            using var json = JsonDocument.Parse(output);
            pushed = json.RootElement.GetProperty("pushed").GetInt64();
            stored = json.RootElement.GetProperty("stored").GetInt64();
            duplicates = json.RootElement.GetProperty("duplicates").GetInt64();
        }

        var receipt = new PushReceipt(Device, _process.ExitCode, pushed, stored, duplicates, error.Trim());
        lock (_gate)
        {
            _disposed = true;
            _process.Dispose();
        }

        return receipt;
    }
}
