using System.Diagnostics;

namespace TokenTrace.Tests;

/// <summary>Runs a dll (an example, the CLI) with <c>dotnet</c>, in its own process, its home in a temp folder.</summary>
internal static class DotnetProcess
{
    /// <summary>Generous: a loaded CI machine starts .NET and Kestrel slowly; a hang still fails the test instead of stalling the suite.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Runs <paramref name="dll"/> (a path, or a file name beside the tests) with <c>TOKENTRACE_HOME</c> set to
    /// <paramref name="home"/> and no <c>TOKENTRACE_LEDGER</c>, so nothing outside the test's folder is written.
    /// </summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string dll, string home, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        start.ArgumentList.Add(Path.IsPathRooted(dll) ? dll : Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{dll} {string.Join(' ', args)} did not exit within {Limit}");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>As <see cref="RunAsync"/>, failing the test unless the process exits with 0; its standard output.</summary>
    public static async Task<string> RunToSuccessAsync(string dll, string home, params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(dll, home, args);
        Assert.True(exitCode == 0, $"{dll} {string.Join(' ', args)} exited with {exitCode}:\n{output}\n{error}");
        return output;
    }
}
