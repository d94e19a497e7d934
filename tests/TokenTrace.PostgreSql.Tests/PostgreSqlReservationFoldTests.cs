using System.Globalization;
using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// A budget reservation never waits for a fold under way and never folds itself: it reads the records past the
/// watermark as rows, and its spend is exact before, during and after the fold.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlReservationFoldTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static UsageRecord Make(string id, int minute, decimal cost) => new()
    {
        Id = id,
        Timestamp = T.AddMinutes(minute),
        Model = "m1",
        Provider = "p1",
        Tokens = new TokenCounts { Input = 10, Output = 1 },
        CostUsd = cost,
        Attribution = new Attribution { Project = "alpha" },
    };

    [Fact]
    public async Task A_reservation_neither_waits_for_a_fold_under_way_nor_folds_and_its_spend_is_exact()
    {
        var database = await server.CreateDatabaseAsync();

        // A summary threshold of 1: a reservation that folded first (as before) would move the watermark.
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database)) { CatchUpAfter = 1_000, SummaryCatchUpAfter = 1 };
        var budget = new Budget { Name = "alpha-cap", Scope = new UsageQuery { Project = "alpha" }, Period = BudgetPeriod.Parse("total"), Limit = 10m, Mode = BudgetMode.Hard };
        var now = T.AddDays(1);
        var window = budget.Period.WindowAt(now, TimeZoneInfo.Utc);
        Assert.True(ledger.CanSummarizeFromAggregates(BudgetEvaluator.QueryFor(budget, window), [], TimeZoneInfo.Utc));

        // a ($1) and b ($2) folded into the sums; c ($0.50) past the watermark.
        await ledger.AppendAsync([Make("a", 0, 1m), Make("b", 1, 2m)]);
        Assert.Equal(2, await ledger.CatchUpRollupsAsync());
        await ledger.AppendAsync([Make("c", 2, 0.5m)]);

        // The reservation reads c as a row and leaves the tail alone: $1 + $2 + $0.50 = $3.50, watermark still 2.
        var first = await ledger.TryReserveAsync(budget, window, 1m, now, TimeSpan.FromMinutes(5));
        Assert.Equal(3.5m, first.Spend);
        Assert.NotNull(first.Reservation);
        Assert.Equal("2", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // A fold under way, held in the middle of its work: another session holds the hourly sums' rows, so the fold's
        // upsert waits on them while it holds the catch-up lock (seen in pg_locks: the one lock of this database not granted).
        await using var holder = new NpgsqlConnection(server.ConnectionString(database));
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var rows = new NpgsqlCommand("SELECT bucket FROM usage_hourly FOR UPDATE", holder, hold))
        {
            await rows.ExecuteNonQueryAsync();
        }

        var fold = ledger.CatchUpRollupsAsync();
        await using (var watcher = new NpgsqlConnection(server.ConnectionString(database)))
        {
            await watcher.OpenAsync();
            await using var waiting = new NpgsqlCommand(
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()", watcher);
            var deadline = DateTime.UtcNow + Generous;
            while (Convert.ToInt64(await waiting.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 0)
            {
                Assert.False(fold.IsCompleted, "the fold ended before it could be held");
                Assert.True(DateTime.UtcNow < deadline, "the fold never waited on the held rows");
            }
        }

        // Meanwhile a reservation answers at once (before, it waited for the fold to commit): the same $3.50 spent and
        // $1 held, so $1 more fits under $10.
        var during = await ledger.TryReserveAsync(budget, window, 1m, now, TimeSpan.FromMinutes(5)).WaitAsync(Generous);
        Assert.Equal((3.5m, 1m), (during.Spend, during.InFlight));
        Assert.NotNull(during.Reservation);
        Assert.False(fold.IsCompleted);

        // Released, the fold takes c; the spend is the same from the sums alone.
        await hold.RollbackAsync();
        Assert.Equal(1, await fold.WaitAsync(Generous));
        Assert.Equal("3", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        var after = await ledger.TryReserveAsync(budget, window, 1m, now, TimeSpan.FromMinutes(5));
        Assert.Equal((3.5m, 2m), (after.Spend, after.InFlight));
    }
}
