namespace TokenTrace.Tests;

public sealed class BudgetEnforcementTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static UsageRecord Call(decimal cost, string? project = null, DateTimeOffset? at = null) => new()
    {
        Id = UsageRecord.NewId(),
        Timestamp = at ?? Now,
        Model = "m",
        CostUsd = cost,
        Tokens = new TokenCounts { Input = 100 },
        Attribution = new Attribution { Project = project },
    };

    private static Budget Daily(decimal limit, BudgetMode mode = BudgetMode.Hard, UsageQuery? scope = null) =>
        new() { Name = "daily", Limit = limit, Period = BudgetPeriod.Parse("daily"), Mode = mode, Scope = scope ?? UsageQuery.All };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sixty_four_concurrent_calls_cannot_overshoot_by_more_than_one_reservation(bool inLedger)
    {
        using var temp = new TempDirectory();
        IUsageLedger ledger = new JsonlUsageLedger(temp.File("u"));
        if (!inLedger)
        {
            ledger = new InProcessReservations(ledger);
        }

        using var enforcer = new BudgetEnforcer(ledger, [Daily(1m)], time: new FixedTime(Now));
        Assert.Equal(inLedger, enforcer.ReservesInLedger);
        var succeeded = 0;
        var refused = 0;

        // Every granted reservation is held until all 64 callers have asked, so the refusals must come from
        // reservations in flight, not from spend already settled in the ledger. No caller waits on a clock.
        var attempts = 0;
        var everyoneAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Asked()
        {
            if (Interlocked.Increment(ref attempts) == 64)
            {
                everyoneAsked.SetResult();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            try
            {
                BudgetReservation reservation;
                try
                {
                    reservation = await enforcer.ReserveAsync(Call(0.05m));
                }
                finally
                {
                    Asked();
                }

                using var held = reservation;
                await everyoneAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
                var actual = Call(0.05m);
                await ledger.AppendAsync([actual]);
                held.Settle(actual);
                Interlocked.Increment(ref succeeded);
            }
            catch (BudgetExceededException)
            {
                Interlocked.Increment(ref refused);
            }
        })));

        var spent = (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.CostUsd;
        Assert.True(spent <= 1m + 0.05m, $"spent {spent}");
        Assert.Equal(20, succeeded);
        Assert.Equal(44, refused);
    }

    [Fact]
    public async Task A_refusal_names_the_budget_spend_limit_and_reset()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Call(0.90m)]);
        using var enforcer = new BudgetEnforcer(ledger, [Daily(1m)], time: new FixedTime(Now));
        var error = await Assert.ThrowsAsync<BudgetExceededException>(() => enforcer.ReserveAsync(Call(0.20m)));
        Assert.Equal("daily", error.BudgetName);
        Assert.Equal(0.90m, error.Spend);
        Assert.Equal(1m, error.Limit);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), error.ResetsAt);
        Assert.Contains("daily", error.Message, StringComparison.Ordinal);
        Assert.Contains("2026-11-24 00:00", error.Message, StringComparison.Ordinal);

        using var fits = await enforcer.ReserveAsync(Call(0.10m));
    }

    [Fact]
    public async Task Soft_budgets_and_other_scopes_never_refuse_and_a_released_reservation_frees_room()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        using var enforcer = new BudgetEnforcer(ledger,
            [Daily(1m, BudgetMode.Soft) with { Name = "soft" }, Daily(1m, scope: new UsageQuery { Project = "docs" }) with { Name = "docs" }],
            time: new FixedTime(Now));
        using (await enforcer.ReserveAsync(Call(5m, project: "web")))
        {
        }

        var first = await enforcer.ReserveAsync(Call(0.8m, project: "docs"));
        await Assert.ThrowsAsync<BudgetExceededException>(() => enforcer.ReserveAsync(Call(0.3m, project: "docs")));
        first.Dispose(); // the call failed: nothing was spent
        using var second = await enforcer.ReserveAsync(Call(0.9m, project: "docs"));
    }

    [Fact]
    public async Task Adding_a_budget_to_an_existing_history_counts_that_history_for_the_current_period_only()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Call(0.40m), Call(0.30m, at: Now.AddHours(-11)), Call(7m, at: Now.AddDays(-1))]);
        var status = await BudgetEvaluator.EvaluateAsync(ledger, Daily(1m), Now);
        Assert.Equal(0.70m, status.Spend);
        Assert.Equal(70m, status.Percent);
        var total = await BudgetEvaluator.EvaluateAsync(ledger, Daily(100m) with { Period = BudgetPeriod.Parse("total") }, Now);
        Assert.Equal(7.70m, total.Spend);
    }

    [Fact]
    public async Task A_tracker_and_an_enforcer_together_keep_spend_under_the_limit()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await using var tracker = new TokenTracker(ledger);
        using var enforcer = BudgetEnforcer.For(tracker, [Daily(0.01m) with { Period = BudgetPeriod.Parse("total") }], refreshInterval: TimeSpan.Zero);
        var refused = 0;
        for (var i = 0; i < 10; i++)
        {
            var estimate = tracker.Prepare(new UsageRecord { Id = $"e{i}", Timestamp = DateTimeOffset.UtcNow, Model = "gpt-4o", Tokens = new TokenCounts { Input = 1000 } });
            try
            {
                using var reservation = await enforcer.ReserveAsync(estimate);
                reservation.Settle(tracker.Record(estimate));
            }
            catch (BudgetExceededException)
            {
                refused++;
            }
        }

        // Each call costs $0.0025: four fit under $0.01.
        Assert.Equal(6, refused);
        Assert.Equal(0.01m, (await tracker.SummarizeAsync()).Total.CostUsd);
    }

    [Fact]
    public async Task In_process_status_counts_settled_calls_before_the_ledger_is_read_again()
    {
        using var temp = new TempDirectory();
        var ledger = new InProcessReservations(new JsonlUsageLedger(temp.File("u")));
        await ledger.AppendAsync([Call(0.30m)]);
        using var enforcer = new BudgetEnforcer(ledger, [Daily(1m)], time: new FixedTime(Now), refreshInterval: TimeSpan.FromHours(1));
        using (var reservation = await enforcer.ReserveAsync(Call(0.2m)))
        {
            reservation.Settle(Call(0.25m)); // recorded elsewhere later; the enforcer counts it now
        }

        var status = Assert.Single(await enforcer.StatusAsync());
        Assert.Equal(0.55m, status.Spend);
        Assert.Equal(55m, status.Percent);
    }

    [Fact]
    public async Task Settling_through_a_tracker_removes_the_ledger_reservation_only_once_the_record_is_stored()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await using var tracker = new TokenTracker(ledger);
        using var enforcer = BudgetEnforcer.For(tracker, [Daily(1m) with { Period = BudgetPeriod.Parse("total") }]);
        var estimate = tracker.Prepare(new UsageRecord { Id = "call", Timestamp = DateTimeOffset.UtcNow, Model = "gpt-4o", Tokens = new TokenCounts { Input = 1000 } });
        await using var reservation = await enforcer.ReserveAsync(estimate);
        Assert.Single(await ledger.ListReservationsAsync());
        await reservation.SettleAsync(tracker.Record(estimate));

        Assert.Empty(await ledger.ListReservationsAsync());
        Assert.Equal(0.0025m, (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.CostUsd);
    }

    /// <summary>A ledger that keeps no reservations (as a third-party store might not): the enforcer reserves in its process.</summary>
    private sealed class InProcessReservations(IUsageLedger inner) : DelegatingUsageLedger(inner)
    {
        public override object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(IBudgetReservations) ? null : base.GetService(serviceType, serviceKey);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
