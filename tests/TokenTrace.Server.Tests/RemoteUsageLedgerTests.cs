using System.Globalization;
using System.Net;
using TokenTrace.Client;

namespace TokenTrace.Server.Tests;

/// <summary><see cref="RemoteUsageLedger"/> in process against a real server on loopback: paging, scopes, appends and reservations.</summary>
public sealed class RemoteUsageLedgerTests
{
    [Fact]
    public async Task Reading_in_small_pages_returns_every_record_once_by_instant_then_id_even_when_instants_repeat()
    {
        await using var server = await ServerHarness.StartAsync();
        // 11 records on 4 instants (3 + 3 + 3 + 2), so page edges (every 2 records) fall inside runs of one instant.
        var records = Enumerable.Range(0, 11).Select(i => TestRecords.Make(string.Create(CultureInfo.InvariantCulture, $"r-{10 - i:D2}"), i / 3)).ToList();
        await server.Ledger.AppendAsync(records);
        await using var remote = Open(server, ServerHarness.ReadSecret, pageSize: 2);

        var read = await ToListAsync(remote.ReadAsync(UsageQuery.All));
        // The server pages by instant and then id, whatever order the ledger reads in: r-08, r-09, r-10, r-05, … r-00.
        var direct = (await ToListAsync(server.Ledger.ReadAsync(UsageQuery.All))).OrderBy(r => r.Timestamp).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();

        Assert.Equal(11, read.Count);
        Assert.Equal(direct.Select(r => r.Id), read.Select(r => r.Id));
        Assert.Equal(TestRecords.Jsonl(direct), TestRecords.Jsonl(read));
    }

    [Fact]
    public async Task A_filtered_read_and_summary_match_the_ledger()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.Ledger.AppendAsync([.. TestRecords.Many("d", 4, "docs"), .. TestRecords.Many("w", 3, "web")]);
        await using var remote = Open(server, ServerHarness.ReadSecret, pageSize: 2);
        var query = new UsageQuery { Project = "web", Since = TestRecords.Day.AddMinutes(1) };

        var read = await ToListAsync(remote.ReadAsync(query));
        var summary = await remote.SummarizeAsync(query, [SummaryDimension.Model], TimeZoneInfo.Utc);

        // Web records are at minutes 0, 1, 2; from minute 1 on: w-0001 and w-0002, 2 × 1,500 tokens.
        Assert.Equal(["w-0001", "w-0002"], read.Select(r => r.Id));
        Assert.Equal(2, summary.Total.Records);
        Assert.Equal(3_000, summary.Total.TotalTokens);
    }

    [Fact]
    public async Task A_project_bound_read_token_reads_its_project_only_and_a_write_token_reads_nothing()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.Ledger.AppendAsync([.. TestRecords.Many("c", 3, "checkout"), .. TestRecords.Many("s", 5, "search")]);
        await using var scoped = Open(server, ServerHarness.ProjectReadSecret);
        await using var writer = Open(server, ServerHarness.WriteSecret);

        var read = await ToListAsync(scoped.ReadAsync(UsageQuery.All));
        var refused = await Assert.ThrowsAsync<RemoteLedgerException>(() => ToListAsync(writer.ReadAsync(UsageQuery.All)));

        Assert.Equal(["c-0000", "c-0001", "c-0002"], read.Select(r => r.Id));
        Assert.Equal(403, refused.StatusCode);
        Assert.True(refused.IsAuthorizationFailure);
        using var http = server.Client(ServerHarness.ProjectReadSecret);
        using var other = await http.GetAsync("v1/records?project=search");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Fact]
    public async Task Appends_go_through_the_server_stamped_with_the_device_and_idempotent_by_id()
    {
        await using var server = await ServerHarness.StartAsync();
        await using var remote = new RemoteUsageLedger(new RemoteLedgerOptions { Server = server.Address, Token = ServerHarness.WriteSecret, DeviceId = "dev-7", DeviceName = "build box" });

        var first = await remote.AppendAsync(TestRecords.Many("a", 3));
        var again = await remote.AppendAsync(TestRecords.Many("a", 4));

        Assert.Equal(new AppendResult(3, 0), first);
        Assert.Equal(new AppendResult(1, 3), again);
        var stored = await ToListAsync(server.Ledger.ReadAsync(UsageQuery.All));
        Assert.Equal(4, stored.Count);
        Assert.All(stored, r => Assert.Equal("build box", r.Attribution.Tags["device.name"]));
        Assert.All(stored, r => Assert.Equal("laptop", r.Attribution.Tags["principal"]));
    }

    [Fact]
    public async Task An_enforcer_over_the_remote_ledger_reserves_on_the_server_and_stops_at_the_limit()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget { Name = "cap", Limit = 0.10m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard });
        await using var remote = Open(server, ServerHarness.WriteSecret);
        using var enforcer = new BudgetEnforcer(remote, await remote.ListBudgetsAsync());
        Assert.True(enforcer.ReservesInLedger);

        // $0.04 calls against $0.10: two fit ($0.08), the third would make $0.12.
        var spent = 0;
        BudgetExceededException? refused = null;
        for (var i = 0; i < 5 && refused is null; i++)
        {
            var call = new UsageRecord { Id = "call-" + i.ToString(CultureInfo.InvariantCulture), Timestamp = DateTimeOffset.UtcNow, Model = "m", CostUsd = 0.04m, Tokens = new TokenCounts { Input = 10 } };
            try
            {
                await using var reservation = await enforcer.ReserveAsync(call);
                Assert.Single(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync(), r => r.IsActiveAt(DateTimeOffset.UtcNow));
                await remote.AppendAsync([call]);
                await reservation.SettleAsync(call);
                spent++;
            }
            catch (BudgetExceededException ex)
            {
                refused = ex;
            }
        }

        Assert.Equal(2, spent);
        Assert.NotNull(refused);
        Assert.Equal("cap", refused.BudgetName);
        Assert.Empty(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());
        Assert.Equal(0.08m, (await server.Ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.CostUsd);
    }

    [Fact]
    public async Task Budgets_cannot_be_set_through_the_server_and_a_budget_it_does_not_know_is_a_clear_error()
    {
        await using var server = await ServerHarness.StartAsync();
        await using var remote = Open(server, ServerHarness.WriteSecret);
        var budget = new Budget { Name = "nowhere", Limit = 1m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard };

        var save = await Assert.ThrowsAsync<RemoteLedgerException>(() => remote.SaveBudgetAsync(budget));
        var reserve = await Assert.ThrowsAsync<RemoteLedgerException>(() => remote.TryReserveAsync(budget, budget.Period.WindowAt(DateTimeOffset.UtcNow, TimeZoneInfo.Utc), 0.1m, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)));

        Assert.Contains("set on the server", save.Message, StringComparison.Ordinal);
        Assert.Equal(404, reserve.StatusCode);
        Assert.Contains("nowhere", reserve.Message, StringComparison.Ordinal);
    }

    private static RemoteUsageLedger Open(ServerHarness server, string token, int pageSize = 10_000) =>
        new(new RemoteLedgerOptions { Server = server.Address, Token = token, ReadPageSize = pageSize, MaxAttempts = 1 });

    private static async Task<List<UsageRecord>> ToListAsync(IAsyncEnumerable<UsageRecord> records)
    {
        var list = new List<UsageRecord>();
        await foreach (var record in records)
        {
            list.Add(record);
        }

        return list;
    }
}
