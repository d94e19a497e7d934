using System.Reflection;

namespace TokenTrace.Tests;

/// <summary>Runs the example this test project builds (its path in the <c>ExampleAssembly</c> metadata) as a real process.</summary>
internal static class ExampleProcess
{
    public static string Dll => typeof(ExampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ExampleAssembly").Value!;

    /// <inheritdoc cref="DotnetProcess.RunAsync"/>
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(string home, params string[] args) => DotnetProcess.RunAsync(Dll, home, args);
}
