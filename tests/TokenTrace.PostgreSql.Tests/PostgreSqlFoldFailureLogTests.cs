using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// A fold that keeps failing for a lasting reason is logged once per distinct error (never the password), retried after
/// a back-off rather than by every summary, and logged as recovered when a fold succeeds again; summaries stay exact.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlFoldFailureLogTests(PostgreSqlServer server)
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static UsageRecord Make(string id, int minute) => new()
    {
        Id = id,
        Timestamp = T.AddMinutes(minute),
        Model = "m1",
        Provider = "p1",
        Tokens = new TokenCounts { Input = 10, Output = 1 },
        CostUsd = 0.01m,
        Attribution = new Attribution { Project = "alpha" },
    };

    [Fact]
    public async Task A_fold_that_keeps_failing_is_logged_once_retried_after_a_back_off_and_never_logs_the_password()
    {
        var database = await server.CreateDatabaseAsync();
        using var logs = new FakeLoggerProvider();
        using var loggers = new LoggerFactory([logs]);
        var time = new FakeTimeProvider(T.AddDays(1));

        // A password in the URL (the test cluster trusts loopback and ignores it): it must appear in no log line.
        var url = string.Create(CultureInfo.InvariantCulture, $"postgres://postgres:s3cret-pw@127.0.0.1:{server.Port}/{database}");
        await using var ledger = new PostgreSqlUsageLedger(url, new PostgreSqlLedgerOptions { FoldAfterRecords = 1_000, SummaryFoldAfterRecords = 1, LoggerFactory = loggers, TimeProvider = time });
        var byProject = new[] { SummaryDimension.Parse("project") };

        // a folded; then its hourly sum corrupted so that adding b (same hour, model and source) overflows a bigint: a
        // lasting failure (22003), not a timeout. Summaries by project read the daily project sums, which are intact.
        await ledger.AppendAsync([Make("a", 0)]);
        Assert.Equal(1, await ledger.CatchUpRollupsAsync());
        await server.ScalarAsync(database, "SET tokentrace.rollup_fold = 'on'; UPDATE usage_hourly SET input = 9223372036854775800");
        await ledger.AppendAsync([Make("b", 1)]);

        // Five summaries: the first tries the fold (1 ≥ 1 behind) and fails, the others find the folds resting. Each is
        // exact: a + b, 2 records, 20 in, $0.02.
        for (var i = 0; i < 5; i++)
        {
            var summary = await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
            Assert.Equal((2L, 20L, 0.02m), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd));
        }

        var warning = Assert.Single(logs.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        Assert.Contains("22003", warning.Message, StringComparison.Ordinal);
        Assert.Contains("1 min", warning.Message, StringComparison.Ordinal);
        Assert.Contains(ledger.Spec, warning.Message, StringComparison.Ordinal);
        Assert.Equal("1", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // Past the first rest (1 minute): retried, fails the same way, not logged again; the rest doubles to 2 minutes.
        time.Advance(TimeSpan.FromSeconds(61));
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Single(logs.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

        // Repaired (the true sum of a is 10 in). Within the rest nothing retries, so the watermark stays; after it, the
        // next summary folds b, and the recovery is logged once.
        await server.ScalarAsync(database, "SET tokentrace.rollup_fold = 'on'; UPDATE usage_hourly SET input = 10");
        time.Advance(TimeSpan.FromSeconds(60));
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Equal("1", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        time.Advance(TimeSpan.FromSeconds(61));
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Equal("2", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        Assert.Equal("20", await server.ScalarAsync(database, "SELECT SUM(input) FROM usage_hourly"));
        var recovered = Assert.Single(logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Information);
        Assert.Contains("after 2 failed fold(s)", recovered.Message, StringComparison.Ordinal);

        foreach (var record in logs.Collector.GetSnapshot())
        {
            Assert.DoesNotContain("s3cret", record.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret", record.Exception?.ToString() ?? "", StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_fold_that_gives_way_to_another_holder_of_the_catch_up_lock_is_no_recovery_and_keeps_the_back_off()
    {
        var database = await server.CreateDatabaseAsync();
        using var logs = new FakeLoggerProvider();
        using var loggers = new LoggerFactory([logs]);
        var time = new FakeTimeProvider(T.AddDays(1));
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database), new PostgreSqlLedgerOptions { FoldAfterRecords = 1_000, SummaryFoldAfterRecords = 1, LoggerFactory = loggers, TimeProvider = time });
        var byProject = new[] { SummaryDimension.Parse("project") };

        // As above: a folded, its hourly sum corrupted so that folding b overflows (22003). The first summary's fold
        // fails: one warning, folds rest 1 minute (first failure in a row).
        await ledger.AppendAsync([Make("a", 0)]);
        Assert.Equal(1, await ledger.CatchUpRollupsAsync());
        await server.ScalarAsync(database, "SET tokentrace.rollup_fold = 'on'; UPDATE usage_hourly SET input = 9223372036854775800");
        await ledger.AppendAsync([Make("b", 1)]);
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Single(logs.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

        // Past the rest, another process holds the catch-up lock (here: this test, on its own connection): the summary's
        // fold gives way. That is no recovery: nothing is logged, the summary is exact (a + b: 2 records, 20 in, $0.02).
        await using (var other = new NpgsqlConnection(server.ConnectionString(database)))
        {
            await other.OpenAsync();
            await using var hold = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_lock({PostgreSqlSchema.CatchUpLockKey})"), other);
            await hold.ExecuteNonQueryAsync();
            time.Advance(TimeSpan.FromSeconds(61));
            var summary = await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
            Assert.Equal((2L, 20L, 0.02m), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd));
            Assert.Equal("1", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
            Assert.DoesNotContain(logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Information);

            // Released by a statement that returns once it is: a closed connection's backend lets go of it only later.
            hold.CommandText = string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_unlock({PostgreSqlSchema.CatchUpLockKey})");
            Assert.Equal(true, await hold.ExecuteScalarAsync());
        }

        // The lock released, the next summary's fold fails again the same way: still the second
        // failure in a row, so not logged again (a "recovery" would have forgotten the error and logged it anew) and the
        // rest doubles to 2 minutes.
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Single(logs.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

        // Repaired (a's true sum is 10 in). 61 s on, folds still rest (2 minutes; a reset count would rest 1): the
        // watermark stays at 1. 60 s more and the fold goes through, logged as a recovery after 2 failed folds.
        await server.ScalarAsync(database, "SET tokentrace.rollup_fold = 'on'; UPDATE usage_hourly SET input = 10");
        time.Advance(TimeSpan.FromSeconds(61));
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Equal("1", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        time.Advance(TimeSpan.FromSeconds(60));
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        Assert.Equal("2", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        var recovered = Assert.Single(logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Information);
        Assert.Contains("after 2 failed fold(s)", recovered.Message, StringComparison.Ordinal);
    }
}
