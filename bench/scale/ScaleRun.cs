using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TokenTrace.Scale;

/// <summary>
/// The whole benchmark: generate the ledger file (once per size), build the CLI in Release, time every work item as a
/// whole process under <c>/usr/bin/time</c> (wall clock and peak resident memory), do the same work in DuckDB, and
/// print one markdown table.
/// </summary>
internal sealed class ScaleRun(long records, string workFolder, string repository, bool tokenTrace, bool duckDb, string[] skip)
{
    private readonly Dictionary<string, (double Seconds, long PeakKb, double CpuSeconds, int ExitCode)> _cli = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _duck = new(StringComparer.Ordinal);

    public int Run()
    {
        Directory.CreateDirectory(workFolder);
        var jsonl = Path.Combine(workFolder, string.Create(CultureInfo.InvariantCulture, $"usage-{records}.jsonl"));
        if (!File.Exists(jsonl))
        {
            var clock = Stopwatch.StartNew();
            var size = new LedgerGenerator(records).Write(jsonl + ".part");
            File.Move(jsonl + ".part", jsonl);
            Log($"generated {records:N0} records, {size / 1e6:F0} MB, in {clock.Elapsed.TotalSeconds:F1} s: {jsonl}");
        }

        if (tokenTrace)
        {
            RunTokenTrace(jsonl);
        }

        if (duckDb)
        {
            RunDuckDb(jsonl);
        }

        Console.WriteLine(Table(jsonl));
        return _cli.Values.Any(r => r.ExitCode != 0) ? 1 : 0;
    }

    private void RunTokenTrace(string jsonl)
    {
        Log("building the CLI (Release)");
        if (Process(["dotnet", "build", "-c", "Release", "-v", "q", "-nologo", Path.Combine(repository, "src/TokenTrace.Cli")], null, null).ExitCode != 0)
        {
            throw new InvalidOperationException("the CLI did not build");
        }

        var cli = Path.Combine(repository, "src/TokenTrace.Cli/bin/Release/net10.0/TokenTrace.Cli.dll");
        var home = Path.Combine(workFolder, string.Create(CultureInfo.InvariantCulture, $"home-{records}"));
        var outputs = Path.Combine(workFolder, string.Create(CultureInfo.InvariantCulture, $"out-{records}"));
        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }

        Directory.CreateDirectory(home);
        Directory.CreateDirectory(outputs);
        var environment = new Dictionary<string, string> { ["TOKENTRACE_HOME"] = home, ["TOKENTRACE_LEDGER"] = "", ["NO_COLOR"] = "1", ["TZ"] = "UTC" };

        Time("process start (--version)", cli, ["--version"], environment, outputs);
        Time("import", cli, ["import", jsonl, "--quiet"], environment, outputs);
        foreach (var budget in ScaleWork.Budgets())
        {
            Process(["dotnet", cli, .. budget], environment, null);
        }

        foreach (var work in ScaleWork.All())
        {
            if (skip.Any(s => work.Name.StartsWith(s, StringComparison.Ordinal)))
            {
                Log($"{work.Name}: skipped");
                continue;
            }

            Time(work.Name, cli, work.Cli, environment, outputs);
        }

        var database = new FileInfo(Path.Combine(home, "usage.db"));
        Log($"ledger file {database.Length / 1e6:F0} MB");
    }

    private void Time(string name, string cli, string[] arguments, Dictionary<string, string> environment, string outputs)
    {
        var timing = Path.Combine(outputs, "time.txt");
        var output = Path.Combine(outputs, Slug(name) + ".out");
        var result = Process(["/usr/bin/time", "-f", "%e %M %U %S", "-o", timing, "dotnet", cli, .. arguments], environment, output);
        var fields = File.ReadAllLines(timing).Last().Split(' ');
        var seconds = double.Parse(fields[0], CultureInfo.InvariantCulture);
        var peak = long.Parse(fields[1], CultureInfo.InvariantCulture);
        var cpu = double.Parse(fields[2], CultureInfo.InvariantCulture) + double.Parse(fields[3], CultureInfo.InvariantCulture);
        _cli[name] = (seconds, peak, cpu, result.ExitCode);
        Log($"{name}: {seconds:F2} s, {peak / 1024.0:F0} MB, {cpu:F2} s CPU{(result.ExitCode == 0 ? "" : $", exit {result.ExitCode}: {result.Error.Trim()}")}");
    }

    private void RunDuckDb(string jsonl)
    {
        var self = Environment.ProcessPath!;
        var dll = typeof(ScaleRun).Assembly.Location;
        string[] prefix = self.EndsWith("dotnet", StringComparison.Ordinal) ? [self, dll] : [self];
        var database = Path.Combine(workFolder, string.Create(CultureInfo.InvariantCulture, $"duck-{records}.duckdb"));
        var timing = Path.Combine(workFolder, "duck-time.txt");
        foreach (var (step, arguments) in new[] { ("load", new[] { "duckdb-load", jsonl, database, repository }), ("query", new[] { "duckdb-query", database }) })
        {
            Log($"DuckDB {step}");
            var result = Process(["/usr/bin/time", "-f", "%e %M", "-o", timing, .. prefix, .. arguments], null, null);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"DuckDB {step} failed: {result.Error}");
            }

            foreach (var line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = line.Split('\t');
                _duck[fields[0]] = double.Parse(fields[1], CultureInfo.InvariantCulture);
            }

            Log($"DuckDB {step} process: {File.ReadAllText(timing).Trim()} (s, kB)");
        }
    }

    private string Table(string jsonl)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{records:N0} records ({new FileInfo(jsonl).Length / 1e6:F0} MB JSONL), {Environment.ProcessorCount} cores");
        table.AppendLine();
        table.AppendLine("| work | TokenTrace wall s | TokenTrace peak MB | TokenTrace CPU s (user + sys) | DuckDB s |");
        table.AppendLine("|---|---:|---:|---:|---:|");
        var names = _cli.Keys.Concat(_duck.Keys).Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var cli = _cli.TryGetValue(name, out var c) ? string.Create(CultureInfo.InvariantCulture, $"{c.Seconds:F2}{(c.ExitCode == 0 ? "" : " (failed)")} | {c.PeakKb / 1024.0:F0} | {c.CpuSeconds:F2}") : "— | — | —";
            var duck = _duck.TryGetValue(name, out var d) ? d.ToString("F3", CultureInfo.InvariantCulture) : "—";
            var label = name.StartsWith("--by", StringComparison.Ordinal) ? "`summary " + name + "`" : name.StartsWith("process", StringComparison.Ordinal) || name.Contains('(', StringComparison.Ordinal) && !name.StartsWith("import", StringComparison.Ordinal) ? name : "`" + name + "`";
            table.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {cli} | {duck} |");
        }

        if (_cli.TryGetValue("import", out var import))
        {
            table.AppendLine();
            table.AppendLine(CultureInfo.InvariantCulture, $"TokenTrace import: {records / import.Seconds:N0} records/s.");
        }

        return table.ToString();
    }

    private static string Slug(string name) => new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray());

    private static (int ExitCode, string Output, string Error) Process(string[] command, Dictionary<string, string>? environment, string? outputFile)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value.Length == 0 ? null : value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output;
        if (outputFile is null)
        {
            output = process.StandardOutput.ReadToEnd();
        }
        else
        {
            using (var file = File.Create(outputFile))
            {
                process.StandardOutput.BaseStream.CopyTo(file);
            }

            output = "";
        }

        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    private static void Log(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{DateTime.Now:HH:mm:ss}] {message}"));
}
