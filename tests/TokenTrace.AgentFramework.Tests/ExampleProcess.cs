using System.Diagnostics;
using System.Reflection;

namespace TokenTrace.Tests;

/// <summary>Runs the example this test project builds (its path in the <c>ExampleAssembly</c> metadata) as a real process: <c>dotnet example.dll args</c>.</summary>
internal static class ExampleProcess
{
    public static string Dll => typeof(ExampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ExampleAssembly").Value!;

    /// <summary>Runs it with <c>TOKENTRACE_HOME</c> set to <paramref name="home"/>, so nothing outside the test's folder is written.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string home, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Dll} did not exit within 3 minutes");
        }

        return (process.ExitCode, await output, await error);
    }
}
