using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using TokenTrace.Tests;
using Xunit.Abstractions;

namespace TokenTrace.Server.Tests;

/// <summary>
/// Eight real processes, each its own device, spend $0.05 calls through <see cref="BudgetEnforcer"/> over a
/// <c>RemoteUsageLedger</c> (<c>http://127.0.0.1:PORT</c>) against one hard $1 total budget kept by the server: every
/// reservation and settlement goes through <c>POST /v1/budgets/reserve</c> and <c>/settle</c>, every record through
/// <c>POST /v1/records</c>. Together they spend no more than the limit, and each is refused once when it is full.
/// </summary>
public sealed partial class RemoteBudgetProcessTests(ITestOutputHelper output)
{
    private const int Processes = 8;

    private static readonly string BudgetSpender = typeof(RemoteBudgetProcessTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BudgetSpender").Value!;

    [Fact]
    public async Task Eight_processes_on_eight_devices_never_spend_past_one_hard_budget_held_by_the_server()
    {
        Assert.True(File.Exists(BudgetSpender), "the budget spender is built with this project: " + BudgetSpender);
        await using var server = await ServerHarness.StartAsync();
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(
            new Budget { Name = "cap", Limit = 1m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard });

        var calls = await BudgetSpenders.RunAsync(BudgetSpender, server.Address.ToString(), Processes, "0.05", i => new Dictionary<string, string>
        {
            ["TOKENTRACE_TOKEN"] = ServerHarness.WriteSecret,
            ["TOKENTRACE_DEVICE"] = "device-" + i.ToString(CultureInfo.InvariantCulture),
        });

        var total = (await server.Ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total;
        var byDevice = await server.Ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("device")], TimeZoneInfo.Utc);
        using var reader = server.Client(ServerHarness.ReadSecret);
        var metrics = await reader.GetStringAsync("metrics");
        var refused = long.Parse(Refusals().Match(metrics) is { Success: true } m ? m.Groups[1].Value : "0", CultureInfo.InvariantCulture);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"${total.CostUsd} in {total.Records} calls ({string.Join(" + ", calls)}), {refused} refused"));

        // $1 / $0.05 = 20 calls at most. A spender is refused while others' calls are in flight, so the last may stop a
        // call or two short of full (a recorded call counts until its reservation is settled), never past it.
        Assert.True(total.CostUsd <= 1.00m, string.Create(CultureInfo.InvariantCulture, $"spent {total.CostUsd}"));
        Assert.True(total.CostUsd > 0.90m, string.Create(CultureInfo.InvariantCulture, $"spent only {total.CostUsd}: refused with room left"));
        Assert.Equal(calls.Sum(), total.Records);
        // Each spender stops at its first refusal: 8 reservations answered 409.
        Assert.Equal(Processes, refused);
        Assert.Equal(calls.Count(c => c > 0), byDevice.Rows.Count);
        Assert.All(byDevice.Rows, row => Assert.StartsWith("device-", row.Key["device"], StringComparison.Ordinal));
        Assert.Empty(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync()); // all settled
    }

    [GeneratedRegex("""tokentrace_server_requests_total\{status="409"\} (\d+)""")]
    private static partial Regex Refusals();
}
