using Microsoft.Extensions.Time.Testing;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

/// <summary>Reservations kept in each built-in ledger (<see cref="IBudgetReservations"/>), seen through separate ledger objects as separate processes would.</summary>
public sealed class BudgetReservationStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static readonly Budget Cap = new() { Name = "cap", Limit = 1m, Period = BudgetPeriod.Parse("total"), Mode = BudgetMode.Hard };

    public static TheoryData<string> Kinds => ["sqlite", "jsonl", "csv"];

    private static IUsageLedger Open(string kind, TempDirectory temp) => kind switch
    {
        "sqlite" => new SqliteUsageLedger(temp.File("usage.db")),
        "jsonl" => new JsonlUsageLedger(temp.File("usage")),
        _ => new CsvUsageLedger(temp.File("usage.csv")),
    };

    private static UsageRecord Call(decimal cost, DateTimeOffset at) => new()
    {
        Id = UsageRecord.NewId(),
        Timestamp = at,
        Model = "m",
        CostUsd = cost,
        Tokens = new TokenCounts { Input = 100 },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_reservation_of_a_process_that_died_stops_counting_after_its_time_to_live(string kind)
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider(Now);

        // The first "process" reserves most of the budget and dies without settling.
        await using (var dead = Open(kind, temp))
        {
            var dying = new BudgetEnforcer(dead, [Cap], time: time) { ReservationTimeToLive = TimeSpan.FromMinutes(5) };
            Assert.True(dying.ReservesInLedger);
            _ = await dying.ReserveAsync(Call(0.8m, Now));
        }

        await using var ledger = Open(kind, temp);
        var enforcer = new BudgetEnforcer(ledger, [Cap], time: time);
        var refused = await Assert.ThrowsAsync<BudgetExceededException>(() => enforcer.ReserveAsync(Call(0.3m, Now)));
        Assert.Equal(0m, refused.Spend);
        Assert.Contains("plus $1.10 in flight", refused.Message, StringComparison.Ordinal); // 0.80 held by the dead process, 0.30 asked

        time.Advance(TimeSpan.FromMinutes(5));
        await using (var granted = await enforcer.ReserveAsync(Call(0.3m, time.GetUtcNow())))
        {
            var stored = Assert.Single(await ledger.GetRequiredService<IBudgetReservations>().ListReservationsAsync());
            Assert.Equal(0.3m, stored.Amount);
            Assert.Equal(LedgerReservation.CurrentHolder, stored.Holder);
            Assert.Equal(time.GetUtcNow() + LedgerReservation.DefaultTimeToLive, stored.ExpiresAt);
        }

        Assert.Empty(await ledger.GetRequiredService<IBudgetReservations>().ListReservationsAsync());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Status_shows_reservations_in_flight_and_settling_moves_them_to_spend(string kind)
    {
        using var temp = new TempDirectory();
        var time = new FakeTimeProvider(Now);
        await using var ledger = Open(kind, temp);
        var enforcer = new BudgetEnforcer(ledger, [Cap], time: time);
        await using var reservation = await enforcer.ReserveAsync(Call(0.25m, Now));
        Assert.Single(reservation.LedgerReservationIds);

        var during = Assert.Single(await enforcer.StatusAsync());
        Assert.Equal(0m, during.Spend);
        Assert.Equal(0.25m, during.Reserved);
        Assert.Equal(0.25m, (await BudgetEvaluator.EvaluateAsync(ledger, Cap, Now)).Reserved);

        var actual = Call(0.2m, Now);
        await ledger.AppendAsync([actual]);
        await reservation.SettleAsync(actual);
        var after = Assert.Single(await enforcer.StatusAsync());
        Assert.Equal(0.2m, after.Spend);
        Assert.Equal(0m, after.Reserved);

        // An expired reservation is not shown as in flight even before anything removes it.
        await using var abandoned = await enforcer.ReserveAsync(Call(0.5m, Now));
        Assert.Equal(0m, (await BudgetEvaluator.EvaluateAsync(ledger, Cap, Now + LedgerReservation.DefaultTimeToLive)).Reserved);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task The_spend_check_counts_the_budget_scope_and_window_and_only_that_budgets_reservations(string kind)
    {
        using var temp = new TempDirectory();
        await using var ledger = Open(kind, temp);
        await ledger.AppendAsync([Call(0.5m, Now.AddDays(-1)), Call(0.25m, Now.AddHours(-1)), Call(5m, Now) with { Attribution = new Attribution { Project = "other" } }]);
        var daily = new Budget { Name = "daily", Limit = 1m, Period = BudgetPeriod.Parse("daily"), Mode = BudgetMode.Hard, };
        var reservations = ledger.GetRequiredService<IBudgetReservations>();
        var window = daily.Period.WindowAt(Now, TimeZoneInfo.Utc);

        // Today: $0.25 unattributed plus $5 for "other" (no scope filter: everything counts).
        var refused = await reservations.TryReserveAsync(daily, window, 0.1m, Now, TimeSpan.FromMinutes(1));
        Assert.False(refused.Granted);
        Assert.Equal(5.25m, refused.Spend);

        var scoped = daily with { Name = "scoped", Scope = new UsageQuery { Model = "m", Project = "other" } };
        var other = await reservations.TryReserveAsync(Cap with { Name = "elsewhere", Limit = 10m }, Cap.Period.WindowAt(Now, TimeZoneInfo.Utc), 0.9m, Now, TimeSpan.FromMinutes(1));
        Assert.True(other.Granted);
        var first = await reservations.TryReserveAsync(scoped with { Limit = 6m }, window, 0.6m, Now, TimeSpan.FromMinutes(1));
        Assert.True(first.Granted);
        Assert.Equal(5m, first.Spend);
        Assert.Equal(0m, first.InFlight); // "elsewhere" holds room in another budget only
        var second = await reservations.TryReserveAsync(scoped with { Limit = 6m }, window, 0.5m, Now, TimeSpan.FromMinutes(1));
        Assert.False(second.Granted);
        Assert.Equal(0.6m, second.InFlight);

        Assert.True(await reservations.SettleAsync(first.Reservation!.Id));
        Assert.False(await reservations.SettleAsync(first.Reservation!.Id));
    }

    [Fact]
    public async Task A_refusal_by_a_second_hard_budget_releases_the_room_taken_in_the_first()
    {
        using var temp = new TempDirectory();
        await using var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        var wide = Cap with { Name = "a-wide", Limit = 10m };
        var narrow = Cap with { Name = "b-narrow", Limit = 0.1m };
        var enforcer = new BudgetEnforcer(ledger, [wide, narrow], time: new FakeTimeProvider(Now));
        var refused = await Assert.ThrowsAsync<BudgetExceededException>(() => enforcer.ReserveAsync(Call(0.5m, Now)));
        Assert.Equal("b-narrow", refused.BudgetName);
        Assert.Empty(await ledger.ListReservationsAsync());
    }

    [Fact]
    public async Task Upgrading_a_version_3_database_adds_the_reservations_table_and_keeps_its_records_and_budgets()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");

        // A version-3 database, as the previous TokenTrace left it, with one record and one budget.
        OlderLedgerFile.Create(path, 3, [Call(0.4m, Now)]);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO budgets (name, definition, updated) VALUES (@n, @d, '2026-11-01T00:00:00Z')";
            command.Parameters.AddWithValue("@n", Cap.Name);
            command.Parameters.AddWithValue("@d", BudgetJson.ToText(Cap));
            command.ExecuteNonQuery();
        }

        await using var upgraded = new SqliteUsageLedger(path);
        var granted = await upgraded.TryReserveAsync(Cap, Cap.Period.WindowAt(Now, TimeZoneInfo.Utc), 0.6m, Now, TimeSpan.FromMinutes(1));
        Assert.True(granted.Granted);
        Assert.Equal(0.4m, granted.Spend);
        Assert.Equal(SqliteSchema.Latest.ToString(System.Globalization.CultureInfo.InvariantCulture), (await upgraded.CheckAsync()).Details["schema version"]);
        Assert.Equal("cap", Assert.Single(await upgraded.ListBudgetsAsync()).Name);
        Assert.Single(await upgraded.ListReservationsAsync());
    }
}
