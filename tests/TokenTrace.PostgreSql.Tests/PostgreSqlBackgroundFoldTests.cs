using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// The fold an append asks for runs after the append returned, in the background, one at a time per ledger object; its
/// errors never reach the appender, summaries are exact while it waits, and disposing the ledger cancels it cleanly.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlBackgroundFoldTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Record <paramref name="i"/>: minute i after T, m1, project alpha, 10 in, $0.01.</summary>
    private static UsageRecord Make(int i) => new()
    {
        Id = "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Timestamp = T.AddMinutes(i),
        Model = "m1",
        Provider = "p1",
        Tokens = new TokenCounts { Input = 10, Output = 1 },
        CostUsd = 0.01m,
        Attribution = new Attribution { Project = "alpha" },
    };

    private static UsageRecord[] Records(int from, int count) => [.. Enumerable.Range(from, count).Select(Make)];

    [Fact]
    public async Task An_append_that_crosses_the_threshold_returns_before_its_fold_and_the_fold_catches_up_after_it()
    {
        var database = await server.CreateDatabaseAsync();
        var folding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database))
        {
            CatchUpAfter = 5,
            SummaryCatchUpAfter = 1_000,
            BeforeBackgroundFold = async stopping =>
            {
                folding.TrySetResult();
                await release.Task.WaitAsync(stopping);
            },
        };

        // 3 records: below the threshold, no fold asked for.
        Assert.Equal(new AppendResult(3, 0), await ledger.AppendAsync(Records(0, 3)));
        Assert.False(folding.Task.IsCompleted);

        // 3 more: 6 ≥ 5 past the watermark. The fold is held before it starts, yet the append returns: it ran on the
        // append's call before, so the append could not return until the fold did.
        Assert.Equal(new AppendResult(3, 0), await ledger.AppendAsync(Records(3, 3)).WaitAsync(Generous));
        await folding.Task.WaitAsync(Generous);
        Assert.Equal("0", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // Exact meanwhile, from the (empty) sums plus the tail as rows: 6 records, 60 in, $0.06.
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc));
        var during = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc);
        Assert.Equal((6L, 60L, 0.06m), (during.Total.Records, during.Total.InputTokens, during.Total.CostUsd));

        // Another append while the fold is held: the fold under way is the only one (it checks the tail again after).
        Assert.Equal(new AppendResult(3, 0), await ledger.AppendAsync(Records(6, 3)).WaitAsync(Generous));

        // Released, the fold catches up: the watermark moves to 9 and the sums hold all 9 records, $0.09.
        release.SetResult();
        await ledger.BackgroundFoldIdle.WaitAsync(Generous);
        Assert.Equal("9", await server.ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        Assert.Equal("9 0.09", await server.ScalarAsync(database, "SELECT SUM(records) || ' ' || trim_scale(SUM(cost)) FROM usage_hourly"));
        var after = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc);
        Assert.Equal((9L, 90L, 0.09m), (after.Total.Records, after.Total.InputTokens, after.Total.CostUsd));
    }

    [Fact]
    public async Task A_failing_background_fold_never_reaches_the_appender_and_disposal_cancels_one_under_way()
    {
        var database = await server.CreateDatabaseAsync();
        var attempts = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        var ledger = new PostgreSqlUsageLedger(server.Spec(database))
        {
            CatchUpAfter = 2,
            SummaryCatchUpAfter = 1_000,
            BeforeBackgroundFold = async stopping =>
            {
                // The first fold fails; the second waits until the ledger is disposed.
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    throw new InvalidOperationException("the fold fails");
                }

                held.TrySetResult();
                await never.Task.WaitAsync(stopping);
            },
        };

        // 2 ≥ 2 past the watermark: a fold is asked for and fails, in the background; the append succeeded.
        Assert.Equal(new AppendResult(2, 0), await ledger.AppendAsync(Records(0, 2)));
        await ledger.BackgroundFoldIdle.WaitAsync(Generous);
        Assert.Equal(1, Volatile.Read(ref attempts));

        // The next append asks again; that fold hangs until disposal, which cancels it and returns.
        Assert.Equal(new AppendResult(1, 0), await ledger.AppendAsync(Records(2, 1)));
        await held.Task.WaitAsync(Generous);
        await ledger.DisposeAsync().AsTask().WaitAsync(Generous);
        await ledger.BackgroundFoldIdle.WaitAsync(Generous);
        Assert.Equal("0 3", await server.ScalarAsync(database, "SELECT (SELECT seq FROM rollup_watermark) || ' ' || (SELECT COUNT(*) FROM usage)"));

        // Disposed twice: nothing more to stop.
        await ledger.DisposeAsync();
    }
}
