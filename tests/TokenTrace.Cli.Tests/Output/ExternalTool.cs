using System.Diagnostics;
using System.Text.Json;

namespace TokenTrace.Cli.Tests.Output;

/// <summary>Runs python3 and jq on the CLI's output, as the scripts that consume it would.</summary>
internal static class ExternalTool
{
    private const string ReadCsv = """
        import csv, json, sys
        reader = csv.DictReader(sys.stdin)
        rows = list(reader)
        json.dump({"header": reader.fieldnames, "rows": rows}, sys.stdout)
        """;

    /// <summary>The header and rows Python's <c>csv</c> module reads from <paramref name="csv"/>.</summary>
    public static async Task<(string[] Header, List<Dictionary<string, string>> Rows)> PythonCsvAsync(string csv)
    {
        var json = JsonDocument.Parse(await RunAsync("python3", csv, "-c", ReadCsv)).RootElement;
        var header = json.GetProperty("header").EnumerateArray().Select(h => h.GetString()!).ToArray();
        var rows = json.GetProperty("rows").EnumerateArray()
            .Select(r => r.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!))
            .ToList();
        return (header, rows);
    }

    /// <summary>What <c>jq -r FILTER</c> prints for <paramref name="json"/>, one line per result.</summary>
    public static async Task<string[]> JqAsync(string json, string filter) =>
        (await RunAsync("jq", json, "-r", filter)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<string> RunAsync(string program, string input, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {await error}");
        return await output;
    }
}
