using System.Diagnostics;

namespace TokenTrace.Cli.Tests;

/// <summary>Runs the real <c>tokentrace</c> program in its own process, with its home in a temp folder.</summary>
public static class CliRunner
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "TokenTrace.Cli.dll");

    public static Task<(int ExitCode, string Out, string Error)> RunAsync(string home, params string[] args) =>
        RunAsync(home, new Dictionary<string, string?>(), args);

    /// <summary>Runs with extra environment variables (a null value removes the variable), such as LANG for a culture.</summary>
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(string home, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunAsync(home, environment, Timeout.InfiniteTimeSpan, args);

    /// <summary>
    /// Runs with extra environment variables and a time limit: a run still going after <paramref name="timeout"/> is killed
    /// and throws, so a hang fails the test that found it instead of stalling the suite.
    /// </summary>
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(string home, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args) =>
        RunWithInputAsync(home, environment, timeout, null, args);

    /// <summary>
    /// Runs with <paramref name="stdin"/> written to the program's standard input and then closed, as an agent's hook or
    /// status line command is fed (null: standard input is an empty, closed stream, never the test runner's own).
    /// </summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunWithInputAsync(string home, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        start.Environment["COLUMNS"] = "200";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading its input (a broken pipe): what it printed still tells the test why.
        }

        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tokentrace {string.Join(' ', args)} did not exit within {timeout}");
        }

        return (process.ExitCode, await output, await error);
    }
}
