using System.Diagnostics;
using System.Globalization;

namespace TokenTrace.Tests;

/// <summary>
/// Runs the budget spender (tests/TokenTrace.BudgetSpender) as several real processes against one ledger: each reserves,
/// records and settles $<c>amount</c> calls through <see cref="BudgetEnforcer"/> until a hard budget refuses it.
/// </summary>
internal static class BudgetSpenders
{
    /// <summary>
    /// Starts the spenders, lets them all go once every one is ready (waiting on their output, not a clock), and returns the
    /// calls each made. <paramref name="environment"/> gives spender i its own variables (a server's token, its device).
    /// </summary>
    public static async Task<int[]> RunAsync(string spender, string spec, int count, string amount = "0.05", Func<int, IReadOnlyDictionary<string, string>>? environment = null)
    {
        var processes = new List<Process>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                start.ArgumentList.Add(spender);
                start.ArgumentList.Add(spec);
                start.ArgumentList.Add("p" + i.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(amount);
                foreach (var (name, value) in environment?.Invoke(i) ?? new Dictionary<string, string>())
                {
                    start.Environment[name] = value;
                }

                processes.Add(Process.Start(start)!);
            }

            var errors = processes.Select(p => p.StandardError.ReadToEndAsync()).ToList();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            for (var i = 0; i < count; i++)
            {
                var line = await processes[i].StandardOutput.ReadLineAsync(timeout.Token);
                Assert.True(line == "ready", $"spender {i} said '{line}': {(line is null ? await errors[i] : "")}");
            }

            foreach (var process in processes)
            {
                await process.StandardInput.WriteLineAsync("go");
                await process.StandardInput.FlushAsync();
            }

            var calls = new int[count];
            for (var i = 0; i < count; i++)
            {
                var last = await processes[i].StandardOutput.ReadToEndAsync(timeout.Token);
                await processes[i].WaitForExitAsync(timeout.Token);
                Assert.True(processes[i].ExitCode == 0, $"spender {i} exited {processes[i].ExitCode}: {await errors[i]}");
                calls[i] = int.Parse(last.Trim()["spent ".Length..], CultureInfo.InvariantCulture);
            }

            return calls;
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                process.Dispose();
            }
        }
    }
}
