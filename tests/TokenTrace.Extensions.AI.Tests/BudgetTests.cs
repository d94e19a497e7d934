using TokenTrace.Examples.ModelServer;
using Microsoft.Extensions.AI;
using TokenTrace.Extensions.AI.Tests.Fakes;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class BudgetTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Say hello.")];

    private static Budget TokenLimit(decimal limit) =>
        new() { Name = "daily-tokens", Limit = limit, Unit = BudgetUnit.Tokens, Period = BudgetPeriod.Parse("daily"), Mode = BudgetMode.Hard };

    [Fact]
    public async Task A_hard_budget_refuses_the_call_that_would_cross_it_across_threads()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var budgets = BudgetEnforcer.For(tracking.Tracker, [TokenLimit(15_000)]);
        Assert.True(budgets.ReservesInLedger);

        // Every admitted call is held at the server until ten have arrived, so each refusal is decided against
        // reservations in flight, not against spend already recorded. Ten JSON calls of 1,500 tokens fill 15,000 exactly.
        var arrived = 0;
        var tenArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OnChatRequest = () =>
        {
            if (Interlocked.Increment(ref arrived) == 10)
            {
                tenArrived.TrySetResult();
            }
        };
        server.AnswerGate = tenArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(t =>
        {
            t.Tracker = tracking.Tracker;
            t.Budgets = budgets;
            t.EstimateUsage = (_, _) => new TokenCounts { Input = 1500 };
        }).Build();

        var answered = 0;
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => Task.Run(async () =>
        {
            try
            {
                await client.GetResponseAsync(Hello);
                Interlocked.Increment(ref answered);
            }
            catch (BudgetExceededException ex)
            {
                Assert.Equal("daily-tokens", ex.BudgetName);
                Interlocked.Increment(ref refused);
            }
        })));

        Assert.Equal(10, answered);
        Assert.Equal(20, refused);
        Assert.Equal(10, server.ChatRequests);
        var records = await tracking.RecordsAsync();
        Assert.Equal(10, records.Count);
        Assert.Equal(15_000, records.Sum(r => r.Tokens.Total));
        Assert.Empty(await tracking.Sqlite.ListReservationsAsync());
    }

    [Fact]
    public async Task A_streamed_call_settles_its_reservation_with_the_usage_it_reported()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var budgets = BudgetEnforcer.For(tracking.Tracker, [TokenLimit(1_950)]);
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(t =>
        {
            t.Tracker = tracking.Tracker;
            t.Budgets = budgets;
            t.EstimateUsage = (_, _) => new TokenCounts { Input = 1000 };
        }).Build();

        async Task StreamAsync()
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Hello))
            {
            }
        }

        // Each stream reports 920 tokens. Settled at 920 (not the 1,000 estimate), the second call fits: 920 + 1,000 ≤ 1,950.
        await StreamAsync();
        await StreamAsync();
        // 1,840 spent: a third estimate of 1,000 would cross 1,950.
        await Assert.ThrowsAsync<BudgetExceededException>(StreamAsync);

        Assert.Equal(2, server.ChatRequests);
        Assert.Equal(1_840, (await tracking.RecordsAsync()).Sum(r => r.Tokens.Total));
    }

    [Fact]
    public async Task A_ledger_that_cannot_take_a_reservation_lets_the_call_go_and_it_is_still_recorded()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking(ledger => new BrokenReservationsLedger(ledger));
        using var budgets = BudgetEnforcer.For(tracking.Tracker, [TokenLimit(1_000_000)]);
        Assert.True(budgets.ReservesInLedger);
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(t =>
        {
            t.Tracker = tracking.Tracker;
            t.Budgets = budgets;
        }).Build();

        Assert.Equal("Hello there.", (await client.GetResponseAsync(Hello)).Text);

        Assert.Equal(1, server.ChatRequests);
        Assert.Equal(1500, (await tracking.SingleRecordAsync()).Tokens.Total);
    }

    [Fact]
    public async Task A_call_no_hard_budget_covers_neither_reserves_nor_waits_for_the_ledger()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        var writesHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var tracking = new SqliteTracking(ledger => new HeldWritesLedger(ledger, writesHeld.Task));
        var otherProject = TokenLimit(1) with { Scope = new UsageQuery { Project = "other" } };
        using var budgets = BudgetEnforcer.For(tracking.Tracker, [otherProject]);
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(t =>
        {
            t.Tracker = tracking.Tracker;
            t.Budgets = budgets;
        }).Build();

        // Settling a reservation flushes the tracker, which cannot finish while the ledger holds its writes: a call that
        // reserved would not return until they are released.
        try
        {
            using (UsageScope.Begin(new Attribution { Project = "mine" }))
            {
                var response = await client.GetResponseAsync(Hello).WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Equal("Hello there.", response.Text);
            }
        }
        finally
        {
            writesHeld.TrySetResult(); // also on failure, so the tracker can be disposed
        }

        Assert.Equal("mine", (await tracking.SingleRecordAsync()).Attribution.Project);
    }

    /// <summary>A ledger whose writes wait until <paramref name="released"/> completes.</summary>
    private sealed class HeldWritesLedger(IUsageLedger inner, Task released) : DelegatingUsageLedger(inner)
    {
        public override async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
        {
            await released.WaitAsync(cancellationToken);
            return await base.AppendAsync(records, cancellationToken);
        }

#pragma warning disable CA2215 // The test owns the inner ledger.
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA2215
    }

    /// <summary>A ledger whose reservations always fail, as a locked or unreachable store does.</summary>
    private sealed class BrokenReservationsLedger(IUsageLedger inner) : DelegatingUsageLedger(inner), IBudgetReservations
    {
        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(IBudgetReservations) ? this : base.GetService(serviceType, serviceKey);

        public Task<BudgetReservationResult> TryReserveAsync(Budget budget, BudgetWindow window, decimal amount, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken = default) =>
            throw new IOException("database is locked");

        public Task<bool> SettleAsync(string reservationId, CancellationToken cancellationToken = default) => throw new IOException("database is locked");

        public Task<IReadOnlyList<LedgerReservation>> ListReservationsAsync(CancellationToken cancellationToken = default) => throw new IOException("database is locked");

#pragma warning disable CA2215 // The test owns the inner ledger.
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
#pragma warning restore CA2215
    }
}
