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
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(string dll, string home, params string[] args) =>
        RunAsync(dll, home, new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="RunAsync(string, string, string[])"/>, with more environment variables (null removes one).</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string dll, string home, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        start.ArgumentList.Add(Path.IsPathRooted(dll) ? dll : Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

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

    /// <summary>As <see cref="RunAsync(string, string, string[])"/>, failing the test unless the process exits with 0; its standard output.</summary>
    public static Task<string> RunToSuccessAsync(string dll, string home, params string[] args) =>
        RunToSuccessAsync(dll, home, new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="RunToSuccessAsync(string, string, string[])"/>, with more environment variables.</summary>
    public static async Task<string> RunToSuccessAsync(string dll, string home, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(dll, home, environment, args);
        Assert.True(exitCode == 0, $"{dll} {string.Join(' ', args)} exited with {exitCode}:\n{output}\n{error}");
        return output;
    }
}
