using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Xunit.Abstractions;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// Eight real processes spend $0.05 calls through <see cref="BudgetEnforcer"/> (reserve, record, settle) against one hard
/// $1 total budget kept in one PostgreSQL database, all starting at once. Each reservation is taken under the budget's
/// advisory lock in the same transaction as the spend check, so together they can spend no more than the limit; and since
/// each call costs exactly what it reserved, they stop only when the budget is truly full.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class CrossProcessBudgetTests(PostgreSqlServer server, ITestOutputHelper output)
{
    private const int Processes = 8;

    private static readonly string BudgetSpender = typeof(CrossProcessBudgetTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BudgetSpender").Value!;

    [Fact]
    public async Task Eight_processes_never_spend_past_one_hard_budget()
    {
        Assert.True(File.Exists(BudgetSpender), "the budget spender is built with this project: " + BudgetSpender);
        for (var trial = 1; trial <= 2; trial++)
        {
            var spec = server.Spec(await server.CreateDatabaseAsync());
            await using (var setup = new PostgreSqlUsageLedger(spec))
            {
                await setup.SaveBudgetAsync(new Budget { Name = "cap", Limit = 1m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard });
            }

            var calls = await RunSpendersAsync(spec);

            // $1 / $0.05 = 20 calls fit; never 21, whoever made them.
            await using var ledger = new PostgreSqlUsageLedger(spec);
            var total = (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trial {trial}: ${total.CostUsd} in {total.Records} calls ({string.Join(" + ", calls)})"));
            Assert.True(total.CostUsd <= 1.00m, string.Create(CultureInfo.InvariantCulture, $"spent {total.CostUsd}"));
            Assert.True(total.CostUsd > 0.90m, string.Create(CultureInfo.InvariantCulture, $"spent only {total.CostUsd}: refused with room left"));
            Assert.Equal(calls.Sum(), total.Records);
            Assert.Empty(await ledger.ListReservationsAsync()); // all settled
        }
    }

    /// <summary>Starts the spenders, lets them all go once every one is ready (waiting on their output, not a clock), and returns the calls each made.</summary>
    private static async Task<int[]> RunSpendersAsync(string spec)
    {
        var processes = new List<Process>();
        try
        {
            for (var i = 0; i < Processes; i++)
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                start.ArgumentList.Add(BudgetSpender);
                start.ArgumentList.Add(spec);
                start.ArgumentList.Add("p" + i.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add("0.05");
                processes.Add(Process.Start(start)!);
            }

            var errors = processes.Select(p => p.StandardError.ReadToEndAsync()).ToList();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            for (var i = 0; i < Processes; i++)
            {
                var line = await processes[i].StandardOutput.ReadLineAsync(timeout.Token);
                Assert.True(line == "ready", $"spender {i} said '{line}': {(line is null ? await errors[i] : "")}");
            }

            foreach (var process in processes)
            {
                await process.StandardInput.WriteLineAsync("go");
                await process.StandardInput.FlushAsync();
            }

            var calls = new int[Processes];
            for (var i = 0; i < Processes; i++)
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
