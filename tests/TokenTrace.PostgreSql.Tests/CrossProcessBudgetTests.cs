using System.Globalization;
using System.Reflection;
using TokenTrace.Tests;
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

            var calls = await BudgetSpenders.RunAsync(BudgetSpender, spec, Processes);

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
}
