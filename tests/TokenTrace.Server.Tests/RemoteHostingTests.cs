using Microsoft.Extensions.DependencyInjection;
using TokenTrace.Client;
using TokenTrace.Hosting;
using TokenTrace.Sqlite;

namespace TokenTrace.Server.Tests;

/// <summary>
/// An app built with <c>AddTokenTrace</c> whose ledger is a TokenTrace server: its tracker appends through
/// <c>POST /v1/records</c> and its <see cref="BudgetEnforcer"/> reserves and settles on the server.
/// </summary>
public sealed class RemoteHostingTests
{
    [Fact]
    public async Task An_AddTokenTrace_app_records_to_the_server_and_its_enforcer_holds_the_servers_hard_budget()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget { Name = "team", Limit = 0.10m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard });
        using var spill = new TempDirectory();
        var services = new ServiceCollection()
            .AddSingleton(new UsageLedgerFactory().AddSqlite().AddRemoteLedger(ServerHarness.WriteSecret, o => new RemoteLedgerOptions { Server = o.Server, Token = o.Token, DeviceId = "app-1", DeviceName = "checkout service" }))
            .AddTokenTrace(options =>
            {
                options.Ledger = server.Address.ToString();
                options.Tracker.SpillDirectory = spill.Path;
            });
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TokenTracker>();
        var enforcer = provider.GetRequiredService<BudgetEnforcer>();
        UsageRecord Call(string id) => new() { Id = id, Timestamp = DateTimeOffset.UtcNow, Provider = "openai", Model = "gpt-4o-mini", CostUsd = 0.06m, Tokens = new TokenCounts { Input = 100 } };

        // $0.06 against $0.10: the first fits; then $0.06 spent leaves $0.04, and a second $0.06 is refused by the server.
        Assert.True(enforcer.ReservesInLedger);
        Assert.Equal("team", Assert.Single(enforcer.Budgets).Name);
        await using (var reservation = await enforcer.ReserveAsync(Call("app-call-1")))
        {
            Assert.Single(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());
            var actual = tracker.Record(Call("app-call-1"));
            await reservation.SettleAsync(actual);
        }

        var refused = await Assert.ThrowsAsync<BudgetExceededException>(() => enforcer.ReserveAsync(Call("app-call-2")));

        Assert.Equal("team", refused.BudgetName);
        var stored = Assert.Single(await ReadAllAsync(server.Ledger));
        Assert.Equal("app-call-1", stored.Id);
        Assert.Equal("checkout service", stored.Attribution.Tags["device.name"]);
        Assert.Empty(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());
    }

    private static async Task<List<UsageRecord>> ReadAllAsync(IUsageLedger ledger)
    {
        var list = new List<UsageRecord>();
        await foreach (var record in ledger.ReadAsync(UsageQuery.All))
        {
            list.Add(record);
        }

        return list;
    }
}
