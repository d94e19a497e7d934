using System.Globalization;
using Npgsql;
using TokenTrace.Tests;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// Schema 4: appends store rows and ids only, and a catch-up folds the records past the watermark into the rollups.
/// Summaries and budget checks read those records as rows meanwhile, so they equal the record-by-record sum at every
/// moment; the watermark never passes an append still in flight; concurrent appenders, catch-ups and summaries never
/// double count or miss; a schema 3 ledger is migrated forward and an older TokenTrace can no longer write the sums.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlDeferredRollupTests(PostgreSqlServer server)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private static readonly DateTimeOffset T = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static UsageRecord Make(string id, TimeSpan after, string model, string provider, string? project, string? job, string? user, long input, decimal? cost) => new()
    {
        Id = id,
        Timestamp = T + after,
        Model = model,
        Provider = provider,
        Tokens = new TokenCounts { Input = input, Output = 1 },
        CostUsd = cost,
        Attribution = new Attribution { Project = project, Job = job, User = user },
    };

    private static IReadOnlyList<SummaryDimension> By(params string[] names) => [.. names.Select(SummaryDimension.Parse)];

    private string Admin(string database) => new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString;

    private async Task<string> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Admin(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
    }

    private static async Task<UsageSummary> RecordByRecordAsync(PostgreSqlUsageLedger ledger, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo zone)
    {
        var expected = new UsageSummaryBuilder(by, zone);
        await foreach (var record in ledger.ReadAsync(query))
        {
            expected.Add(record);
        }

        return expected.Build();
    }

    /// <summary>Every shape the rollups answer equals the record-by-record sum, over everything and over ranges off day edges.</summary>
    private static async Task AssertEveryRollupSummaryIsExactAsync(PostgreSqlUsageLedger ledger)
    {
        foreach (var query in new[] { UsageQuery.All, new UsageQuery { Since = T.AddMinutes(15), Until = T.AddHours(24).AddMinutes(45) }, new UsageQuery { Project = "alpha" } })
        {
            foreach (var by in new[] { By(), By("model"), By("provider", "hour"), By("project"), By("job"), By("job", "month"), By("user"), By("agent", "day"), By("project", "day") })
            {
                if (ledger.CanSummarizeFromAggregates(query, by, TimeZoneInfo.Utc))
                {
                    UsageLedgerContract.AssertSame(await RecordByRecordAsync(ledger, query, by, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, by, TimeZoneInfo.Utc));
                }
            }
        }
    }

    [Fact]
    public async Task Summaries_and_a_budget_check_equal_the_record_by_record_sum_while_the_rollups_are_behind()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));

        // Batch A, folded by a catch-up: a 09:10 m1/p1 alpha j1 u1 100 in $0.25; b 09:50 m1/p1 alpha j2 u2 200 in $0.50;
        // c 10:10 m2/p2 beta u1 300 in unpriced; d next day 09:30 m1/p1 j1 400 in $1.
        Assert.Equal(new AppendResult(4, 0), await ledger.AppendAsync(
        [
            Make("a", TimeSpan.FromMinutes(10), "m1", "p1", "alpha", "j1", "u1", 100, 0.25m),
            Make("b", TimeSpan.FromMinutes(50), "m1", "p1", "alpha", "j2", "u2", 200, 0.5m),
            Make("c", TimeSpan.FromMinutes(70), "m2", "p2", "beta", null, "u1", 300, null),
            Make("d", TimeSpan.FromHours(24.5), "m1", "p1", null, "j1", null, 400, 1m),
        ]));
        Assert.Equal("0", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        Assert.Equal("0", await ScalarAsync(database, "SELECT COUNT(*) FROM usage_hourly"));
        Assert.Equal(4, await ledger.CatchUpRollupsAsync());
        Assert.Equal("4", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // Batch B, left past the watermark: e 09:20 m3/p1 gamma u2 50 in $0.125; f 09:40 m1/p1 alpha j1 u1 1000 in $2;
        // g next day 10:00 m2/p2 alpha j2 u2 10 in $0.01; and a again (a duplicate, other counts).
        Assert.Equal(new AppendResult(3, 1), await ledger.AppendAsync(
        [
            Make("e", TimeSpan.FromMinutes(20), "m3", "p1", "gamma", null, "u2", 50, 0.125m),
            Make("f", TimeSpan.FromMinutes(40), "m1", "p1", "alpha", "j1", "u1", 1000, 2m),
            Make("g", TimeSpan.FromHours(25), "m2", "p2", "alpha", "j2", "u2", 10, 0.01m),
            Make("a", TimeSpan.FromMinutes(10), "m1", "p1", "alpha", "j1", "u1", 999_999, 9m),
        ]));

        // Revisions on both sides of the watermark: a (folded) to $0.75, f (not yet) to $3.
        Assert.Equal(2, await ledger.ReviseCostsAsync([new CostRevision("a", 0.75m, null), new CostRevision("f", 3m, null)]));

        // The sums are behind (4 of 7 records) and hold a as revised and nothing of f: $0.75 + $0.50 + $0 + $1 = $2.25.
        // (The repeat of a used up number 5: a claim that conflicts still draws from the identity, so e, f, g are 6-8.)
        Assert.Equal("4", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        Assert.Equal("8", await ScalarAsync(database, "SELECT MAX(seq) FROM usage_ids"));
        Assert.Equal("4 2.25", await ScalarAsync(database, "SELECT SUM(records) || ' ' || trim_scale(SUM(cost)) FROM usage_hourly"));

        // Yet by model: m1 = a + b + d + f (1700 in, $0.75 + $0.50 + $1 + $3 = $5.25); m2 = c + g (310 in, $0.01, one
        // unpriced); m3 = e (50 in, $0.125). Total 7 records, $5.385.
        Assert.True(ledger.CanSummarizeFromAggregates(UsageQuery.All, By("model"), TimeZoneInfo.Utc));
        var byModel = await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc);
        Assert.Equal([("m1", 4L, 1700L, 5.25m, 0L), ("m2", 2L, 310L, 0.01m, 1L), ("m3", 1L, 50L, 0.125m, 0L)],
            byModel.Rows.Select(r => (r.Key["model"]!, r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd, r.Totals.UnpricedRecords)).OrderBy(r => r.Item1, StringComparer.Ordinal));
        Assert.Equal((7L, 5.385m), (byModel.Total.Records, byModel.Total.CostUsd));
        await AssertEveryRollupSummaryIsExactAsync(ledger);

        // A hard budget on project alpha reads the same: a + b + f + g = $0.75 + $0.50 + $3 + $0.01 = $4.26.
        var budget = new Budget { Name = "alpha-cap", Scope = new UsageQuery { Project = "alpha" }, Period = BudgetPeriod.Parse("total"), Limit = 5m, Mode = BudgetMode.Hard };
        var now = T.AddDays(2);
        var window = budget.Period.WindowAt(now, TimeZoneInfo.Utc);
        Assert.True(ledger.CanSummarizeFromAggregates(BudgetEvaluator.QueryFor(budget, window), [], TimeZoneInfo.Utc));
        var first = await ledger.TryReserveAsync(budget, window, 0.5m, now, TimeSpan.FromMinutes(5));
        Assert.Equal(4.26m, first.Spend);
        Assert.NotNull(first.Reservation);

        // $4.26 spent + $0.50 held + $0.50 asked > $5: refused, from the same exact spend.
        var second = await ledger.TryReserveAsync(budget, window, 0.5m, now, TimeSpan.FromMinutes(5));
        Assert.Equal((4.26m, 0.5m), (second.Spend, second.InFlight));
        Assert.Null(second.Reservation);

        // Caught up: the sums hold all seven and every summary is unchanged.
        Assert.Equal(3, await ledger.CatchUpRollupsAsync());
        Assert.Equal(0, await ledger.CatchUpRollupsAsync());
        Assert.Equal("7 5.385", await ScalarAsync(database, "SELECT SUM(records) || ' ' || trim_scale(SUM(cost)) FROM usage_hourly"));
        await AssertEveryRollupSummaryIsExactAsync(ledger);
        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
        Assert.Equal("0", health.Details["records past the rollups' watermark"]);
    }

    [Fact]
    public async Task An_append_folds_the_tail_once_it_is_long_enough_and_a_summary_before_it_reads_from_the_sums()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database)) { CatchUpAfter = 5, SummaryCatchUpAfter = 3 };

        // 4 records: below both thresholds, nothing folded.
        await ledger.AppendAsync([.. Enumerable.Range(0, 4).Select(i => Make("x" + i, TimeSpan.FromMinutes(i), "m1", "p1", "alpha", "j1", "u1", 10, 0.01m))]);
        Assert.Equal("0", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // A summary from the sums with 4 ≥ 3 records behind folds them first.
        Assert.Equal(4L, (await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc)).Total.Records);
        Assert.Equal("4", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // 5 more: 9 - 4 = 5 ≥ 5 behind after the append's commit, so the append starts a fold of them in the background.
        await ledger.AppendAsync([.. Enumerable.Range(4, 5).Select(i => Make("x" + i, TimeSpan.FromMinutes(i), "m1", "p1", "alpha", "j1", "u1", 10, 0.01m))]);
        await ledger.BackgroundFoldIdle.WaitAsync(Generous);
        Assert.Equal("9", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        Assert.Equal("9 0.09", await ScalarAsync(database, "SELECT SUM(records) || ' ' || trim_scale(SUM(cost)) FROM usage_daily_job"));
    }

    [Fact]
    public async Task A_long_writer_holding_the_barrier_delays_a_summary_and_a_reservation_by_seconds_not_until_it_commits()
    {
        // A transaction that holds the feed's barrier shared for as long as it likes (a long reprice did, in one
        // transaction), and a tail past the summary's fold threshold: the fold a summary or a reservation tries first
        // waits a few seconds at most for the barrier, then gives up, and the reading answers from the sums plus the
        // tail as rows. Before, both waited for the writer to commit.
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database)) { SummaryCatchUpAfter = 1 };
        await ledger.AppendAsync([Make("a", TimeSpan.Zero, "m1", "p1", "alpha", "j1", "u1", 100, 1m), Make("b", TimeSpan.FromMinutes(1), "m1", "p1", "alpha", "j1", "u1", 300, 2m)]);

        await using var writer = new NpgsqlConnection(Admin(database));
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock_shared({PostgreSqlSchema.FeedLockKey})"), writer, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        // Two records, 400 in, $3, none folded (the watermark stays at 0) while the writer holds on.
        var summary = await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal((2L, 400L, 3m), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd));
        var budget = new Budget { Name = "alpha-cap", Scope = new UsageQuery { Project = "alpha" }, Period = BudgetPeriod.Parse("total"), Limit = 5m, Mode = BudgetMode.Hard };
        var now = T.AddDays(1);
        var reserved = await ledger.TryReserveAsync(budget, budget.Period.WindowAt(now, TimeZoneInfo.Utc), 1m, now, TimeSpan.FromMinutes(5)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(3m, reserved.Spend);
        Assert.NotNull(reserved.Reservation);
        Assert.Equal("0", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));

        // Once the writer is gone, the next summary folds both.
        await transaction.CommitAsync();
        Assert.Equal(2L, (await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc)).Total.Records);
        Assert.Equal("2", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
    }

    [Fact]
    public async Task A_catch_up_waits_for_an_append_in_flight_so_the_watermark_never_passes_an_uncommitted_record()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        await ledger.AppendAsync([Make("first", TimeSpan.Zero, "m1", "p1", "alpha", "j1", "u1", 100, 1m)]);

        // An append in flight, between its merge and its commit: it holds the feed's barrier shared and has claimed
        // sequence number 2 and stored its row, visible to no one yet.
        await using var writer = new NpgsqlConnection(Admin(database));
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var claim = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture,
            $"""
            SELECT pg_advisory_xact_lock_shared({PostgreSqlSchema.FeedLockKey});
            WITH c AS (INSERT INTO usage_ids (id, ts) VALUES ('late', {T.UtcTicks}) RETURNING seq)
            INSERT INTO usage (seq, id, ts, provider, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, project, cost_usd, cost_billed, source)
            SELECT seq, 'late', {T.UtcTicks}, 'p1', 'm1', 'chat', 20, 0, 0, 0, 1, 0, 'alpha', 2, 2, 'app' FROM c
            """), writer, transaction))
        {
            await claim.ExecuteNonQueryAsync();
        }

        // A record appended after it commits first, with sequence number 3: seq order is not commit order.
        await ledger.AppendAsync([Make("later", TimeSpan.FromMinutes(1), "m1", "p1", "alpha", "j1", "u1", 400, 4m)]);

        // Meanwhile a summary counts what is committed, 1 and 3, with the sums still empty: 500 in, $5.
        var before = await ledger.SummarizeAsync(UsageQuery.All, By("project"), TimeZoneInfo.Utc);
        Assert.Equal((2L, 500L, 5m), (before.Total.Records, before.Total.InputTokens, before.Total.CostUsd));

        // The catch-up waits on the barrier (seen in pg_locks) instead of moving the watermark to 3 past the unseen 2.
        var catchUp = ledger.CatchUpRollupsAsync();
        await using (var watcher = new NpgsqlConnection(Admin(database)))
        {
            await watcher.OpenAsync();
            await using var waiting = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture,
                $"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND (classid::bigint << 32 | objid::bigint) = {PostgreSqlSchema.FeedLockKey}"), watcher);
            var deadline = DateTime.UtcNow + Generous;
            while (Convert.ToInt64(await waiting.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 0)
            {
                Assert.False(catchUp.IsCompleted, "the catch-up ran while an append was in flight");
                Assert.True(DateTime.UtcNow < deadline, "the catch-up never waited on the barrier");
            }
        }

        Assert.False(catchUp.IsCompleted);
        Assert.Equal("0", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        await transaction.CommitAsync();

        // All three folded, the late one included: 100 + 20 + 400 = 520 in, $1 + $2 + $4 = $7.
        Assert.Equal(3, await catchUp.WaitAsync(Generous));
        Assert.Equal("3 520 7", await ScalarAsync(database, "SELECT SUM(records) || ' ' || SUM(input) || ' ' || trim_scale(SUM(cost)) FROM usage_daily_project"));
        var after = await ledger.SummarizeAsync(UsageQuery.All, By("project"), TimeZoneInfo.Utc);
        Assert.Equal((3L, 520L, 7m), (after.Total.Records, after.Total.InputTokens, after.Total.CostUsd));
        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
    }

    [Fact]
    public async Task Concurrent_appenders_catch_ups_and_summaries_never_double_count_or_miss()
    {
        const int Appenders = 4, Batches = 25, PerBatch = 12;
        var database = await server.CreateDatabaseAsync();
        var spec = server.Spec(database);

        // Small thresholds, so that appenders and summaries fold while others append.
        var ledgers = Enumerable.Range(0, Appenders + 2).Select(_ => new PostgreSqlUsageLedger(spec) { CatchUpAfter = 30, SummaryCatchUpAfter = 20 }).ToList();
        try
        {
            long started = 0, completed = 0;
            var appendersDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var appenders = Enumerable.Range(0, Appenders).Select(k => Task.Run(async () =>
            {
                UsageRecord[]? previous = null;
                for (var i = 0; i < Batches; i++)
                {
                    var batch = Enumerable.Range(0, PerBatch).Select(j => Make(
                        string.Create(CultureInfo.InvariantCulture, $"w{k}-{i}-{j}"),
                        TimeSpan.FromMinutes(((k * Batches) + i) * PerBatch * 7 + j * 7),
                        "m" + (j % 3).ToString(CultureInfo.InvariantCulture), "p1", "proj" + k.ToString(CultureInfo.InvariantCulture),
                        "j" + (i % 5).ToString(CultureInfo.InvariantCulture), "u" + (j % 4).ToString(CultureInfo.InvariantCulture), 10, 0.01m)).ToArray();
                    Interlocked.Add(ref started, PerBatch);
                    Assert.Equal(new AppendResult(PerBatch, 0), await ledgers[k].AppendAsync(batch));
                    Interlocked.Add(ref completed, PerBatch);

                    // Every few batches the one before again: all duplicates.
                    if (previous is not null && i % 4 == 0)
                    {
                        Assert.Equal(new AppendResult(0, PerBatch), await ledgers[k].AppendAsync(previous));
                    }

                    previous = batch;
                }
            })).ToArray();
            _ = Task.WhenAll(appenders).ContinueWith(t => appendersDone.TrySetResult(), TaskScheduler.Default);

            // A summary counts at least every record whose append returned before it started and at most every record
            // whose append had started by the time it ended: more would be a double count, fewer a miss.
            var summaries = 0;
            var reader = Task.Run(async () =>
            {
                var shapes = new[] { By(), By("job"), By("project", "day"), By("user", "month") };
                while (!appendersDone.Task.IsCompleted)
                {
                    var by = shapes[summaries % shapes.Length];
                    var lower = Interlocked.Read(ref completed);
                    var total = (await ledgers[Appenders].SummarizeAsync(UsageQuery.All, by, TimeZoneInfo.Utc)).Total.Records;
                    var upper = Interlocked.Read(ref started);
                    Assert.InRange(total, lower, upper);
                    summaries++;
                }
            });
            var catchUps = Task.Run(async () =>
            {
                while (!appendersDone.Task.IsCompleted)
                {
                    await ledgers[Appenders + 1].CatchUpRollupsAsync();
                }
            });

            await Task.WhenAll([.. appenders, reader, catchUps]).WaitAsync(TimeSpan.FromMinutes(5));
            Assert.True(summaries > 0);

            // 4 × 25 × 12 = 1,200 records, each once; after a last catch-up the sums hold every one.
            var ledger = ledgers[0];
            await ledger.CatchUpRollupsAsync();
            Assert.Equal("1200", await ScalarAsync(database, "SELECT SUM(records) FROM usage_hourly"));
            Assert.Equal("1200", await ScalarAsync(database, "SELECT SUM(records) FROM usage_monthly_job"));
            Assert.Equal((1200L, 12m), ((await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc)).Total.Records, (await ledger.SummarizeAsync(UsageQuery.All, By("model"), TimeZoneInfo.Utc)).Total.CostUsd));
            foreach (var by in new[] { By("job", "month"), By("project", "day"), By("model", "hour"), By("user") })
            {
                UsageLedgerContract.AssertSame(await RecordByRecordAsync(ledger, UsageQuery.All, by, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, by, TimeZoneInfo.Utc));
            }

            var health = await ledger.CheckAsync();
            Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
        }
        finally
        {
            foreach (var ledger in ledgers)
            {
                await ledger.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_schema_3_ledger_is_migrated_forward_with_its_sums_as_the_watermark_and_an_older_append_can_no_longer_write_them()
    {
        var database = await server.CreateDatabaseAsync();

        // Schema 3 as it shipped, made by its own migrations over the seven records of AcrossMonths stored at schema 1.
        await using (var admin = new NpgsqlConnection(Admin(database)))
        {
            await admin.OpenAsync();
            var sql = new System.Text.StringBuilder("CREATE TABLE schema_version (version integer PRIMARY KEY, applied timestamptz NOT NULL); INSERT INTO schema_version VALUES (1, now()), (2, now()), (3, now());")
                .Append(PostgreSqlSchema.Migrations[0]).Append(';');
            foreach (var month in new[] { 9, 10, 11, 12 })
            {
                sql.Append(PostgreSqlSchema.CreatePartition(new DateTime(2026, month, 1, 0, 0, 0, DateTimeKind.Utc).Ticks)).Append(';');
            }

            foreach (var (record, seq) in PostgreSqlRollupTests.AcrossMonths().Select((r, i) => (r, i + 1)))
            {
                var user = record.Attribution.User is { } u ? $"'{u}'" : "NULL";
                sql.Append(CultureInfo.InvariantCulture, $"""
                    INSERT INTO usage_ids (id, ts) VALUES ('{record.Id}', {record.Timestamp.UtcTicks});
                    INSERT INTO usage (seq, id, ts, provider, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, job, user_name, cost_usd, cost_billed, source)
                    VALUES ({seq}, '{record.Id}', {record.Timestamp.UtcTicks}, 'p1', 'm1', 'chat', {record.Tokens.Input}, 0, 0, 0, 1, 0, '{record.Attribution.Job}', {user}, {record.CostUsd}, {record.CostUsd}, 'app');
                    """);
            }

            await using var create = new NpgsqlCommand(sql.Append(PostgreSqlSchema.Migrations[1]).Append(';').Append(PostgreSqlSchema.Migrations[2]).ToString(), admin);
            await create.ExecuteNonQueryAsync();
        }

        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
        Assert.Equal("4", health.Details["schema version"]);

        // The sums schema 3 kept hold every record: the watermark starts at the last one, nothing to fold.
        Assert.Equal("7", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        Assert.Equal(0, await ledger.CatchUpRollupsAsync());

        // An older TokenTrace's append adds to the sums itself: refused, so nothing is counted twice.
        await using (var old = new NpgsqlConnection(Admin(database)))
        {
            await old.OpenAsync();
            await using var write = new NpgsqlCommand("UPDATE usage_daily_job SET records = records + 1", old);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
            Assert.Contains("schema 4", refused.MessageText, StringComparison.Ordinal);
        }

        // By user (hand sums of AcrossMonths): u1 = r1 + r3 + r4 + r7 (7700 in, $77), u2 = r2 + r5 (1800 in, $18), none = r6 ($32).
        var byUser = await ledger.SummarizeAsync(UsageQuery.All, By("user"), TimeZoneInfo.Utc);
        Assert.Equal([("(none)", 1L, 3200L, 32m), ("u1", 4L, 7700L, 77m), ("u2", 2L, 1800L, 18m)],
            byUser.Rows.Select(r => (r.Key["user"] ?? "(none)", r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));

        // r8 on 2 October, j1, 25 in, $0.25: past the watermark, yet in October's j1 = r2 + r4 + r8 (1025 in, $10.25).
        var october = new UsageQuery { Since = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) };
        var r8 = PostgreSqlRollupTests.AcrossMonths()[1] with { Id = "r8", Timestamp = new DateTimeOffset(2026, 10, 2, 8, 0, 0, TimeSpan.Zero), Tokens = new TokenCounts { Input = 25, Output = 1 }, CostUsd = 0.25m };
        Assert.Equal(new AppendResult(1, 0), await ledger.AppendAsync([r8]));
        Assert.Equal("7", await ScalarAsync(database, "SELECT seq FROM rollup_watermark"));
        var byJob = await ledger.SummarizeAsync(october, By("job"), TimeZoneInfo.Utc);
        Assert.Equal([("j1", 3L, 1025L, 10.25m), ("j2", 1L, 400L, 4m)],
            byJob.Rows.Select(r => (r.Key["job"]!, r.Totals.Records, r.Totals.InputTokens, r.Totals.CostUsd)).OrderBy(r => r.Item1, StringComparer.Ordinal));
        Assert.Equal(1, await ledger.CatchUpRollupsAsync());
        UsageLedgerContract.AssertSame(await RecordByRecordAsync(ledger, UsageQuery.All, By("job", "month"), TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, By("job", "month"), TimeZoneInfo.Utc));
    }
}
