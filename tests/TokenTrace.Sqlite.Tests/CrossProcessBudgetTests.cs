using System.Globalization;
using System.Reflection;
using TokenTrace.Tests;
using Xunit.Abstractions;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// Eight real processes spend $0.05 calls through <see cref="BudgetEnforcer"/> (reserve, record, settle) against one hard
/// $1 total budget in one ledger, all starting at once. Reservations live in the ledger, so together they can spend no more
/// than the limit; and since each call costs exactly what it reserved, they stop only when the budget is truly full.
/// </summary>
public sealed class CrossProcessBudgetTests(ITestOutputHelper output)
{
    private const int Processes = 8;

    private static readonly string BudgetSpender = typeof(CrossProcessBudgetTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BudgetSpender").Value!;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("jsonl")]
    public async Task Eight_processes_never_spend_past_one_hard_budget(string kind)
    {
        Assert.True(File.Exists(BudgetSpender), "the budget spender is built with this project: " + BudgetSpender);
        for (var trial = 1; trial <= 3; trial++)
        {
            using var temp = new TempDirectory();
            var location = kind == "sqlite" ? temp.File("usage.db") : temp.File("usage");
            await using (IUsageLedger setup = Open(kind, location))
            {
                await setup.GetRequiredService<IBudgetStore>().SaveBudgetAsync(
                    new Budget { Name = "cap", Limit = 1m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard });
            }

            var calls = await BudgetSpenders.RunAsync(BudgetSpender, $"{kind}:{location}", Processes);

            await using var ledger = Open(kind, location);
            var total = (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} trial {trial}: ${total.CostUsd} in {total.Records} calls ({string.Join(" + ", calls)})"));
            Assert.True(total.CostUsd <= 1.00m, string.Create(CultureInfo.InvariantCulture, $"spent {total.CostUsd}"));
            Assert.True(total.CostUsd > 0.90m, string.Create(CultureInfo.InvariantCulture, $"spent only {total.CostUsd}: refused with room left"));
            Assert.Equal(calls.Sum(), total.Records);
            Assert.Empty(await ledger.GetRequiredService<IBudgetReservations>().ListReservationsAsync()); // all settled
        }
    }

    private static IUsageLedger Open(string kind, string location) =>
        kind == "sqlite" ? new SqliteUsageLedger(location) : new JsonlUsageLedger(location);
}
