using System.Globalization;
using Npgsql;
using TokenTrace.Tests;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL change feed: records in sequence order, revisions by change number with their marks, a position that
/// never passes a transaction still in flight, and a schema 1 ledger migrated forward with its records.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlChangeFeedTests(PostgreSqlServer server) : UsageChangeFeedContract
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    protected override async Task<IUsageLedger> OpenAsync(string directory) => new PostgreSqlUsageLedger(server.Spec(await server.CreateDatabaseAsync()));

    private string Admin(string database) => new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString;

    [Fact]
    public async Task The_position_waits_for_an_append_in_flight_so_a_reader_never_skips_a_record_committed_late()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        await ledger.AppendAsync([Make("first")]);

        // A writer in flight, as an append between its merge and its commit: it holds the feed's barrier shared and has
        // claimed sequence number 2 (the first record took 1), not yet visible to anyone.
        await using var writer = new NpgsqlConnection(Admin(database));
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var claim = new NpgsqlCommand(
            string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock_shared({PostgreSqlSchema.FeedLockKey}); INSERT INTO usage_ids (id, ts) VALUES ('late', {At.UtcTicks})"),
            writer, transaction))
        {
            await claim.ExecuteNonQueryAsync();
        }

        // A record appended after it commits first with sequence number 3.
        await ledger.AppendAsync([Make("later")]);
        var position = ledger.GetPositionAsync();

        // The position's reader waits for the barrier (seen in pg_locks) instead of answering 3 while 2 is unseen.
        await using (var watcher = new NpgsqlConnection(Admin(database)))
        {
            await watcher.OpenAsync();
            await using var waiting = new NpgsqlCommand(
                string.Create(CultureInfo.InvariantCulture, $"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND (classid::bigint << 32 | objid::bigint) = {PostgreSqlSchema.FeedLockKey}"),
                watcher);
            var deadline = DateTime.UtcNow + Generous;
            while (Convert.ToInt64(await waiting.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 0)
            {
                Assert.False(position.IsCompleted, "the position was read while an append was in flight");
                Assert.True(DateTime.UtcNow < deadline, "the position's reader never waited on the barrier");
            }
        }

        Assert.False(position.IsCompleted);
        await transaction.CommitAsync();
        Assert.Equal(3, (await position.WaitAsync(Generous)).LastSequence);
    }

    [Fact]
    public async Task A_schema_1_ledger_is_migrated_forward_with_its_records_its_tags_and_their_sums()
    {
        var database = await server.CreateDatabaseAsync();

        // Schema 1 as it shipped: jsonb tags, no rollups, no change log; one record of November 2026 with a tag.
        await using (var admin = new NpgsqlConnection(Admin(database)))
        {
            await admin.OpenAsync();
            var at = new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero).UtcTicks;
            await using var create = new NpgsqlCommand(
                "CREATE TABLE schema_version (version integer PRIMARY KEY, applied timestamptz NOT NULL); INSERT INTO schema_version VALUES (1, now());"
                + PostgreSqlSchema.Migrations[0] + ";" + PostgreSqlSchema.CreatePartition(PostgreSqlSchema.MonthStart(at)) + ";"
                + string.Create(CultureInfo.InvariantCulture, $"""
                    INSERT INTO usage_ids (id, ts) VALUES ('old', {at});
                    INSERT INTO usage (seq, id, ts, provider, model, operation, input, cache_read, cache_write, cache_write_1h, output, reasoning, extra, project, tags, cost_usd, cost_billed, source)
                    VALUES (1, 'old', {at}, 'anthropic', 'm', 'chat', 100, 0, 0, 0, 10, 0, '{"{"}"audio": 7{"}"}', 'alpha', '{"{"}"team": "a"{"}"}', 0.25, 0.25, 'app');
                    """),
                admin);
            await create.ExecuteNonQueryAsync();
        }

        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        var old = await ledger.ReadAsync(UsageQuery.All).SingleAsync();
        Assert.Equal(("old", "a", 7L), (old.Id, old.Attribution.Tags["team"], old.Tokens.Extra["audio"]));

        // The rollups were filled from the stored row: by project (daily sums) and by model (hourly sums), $0.25 each.
        Assert.Equal([("alpha", 1L, 0.25m)], (await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("project")], TimeZoneInfo.Utc)).Rows
            .Select(r => (r.Key["project"]!, r.Totals.Records, r.Totals.CostUsd)));
        Assert.Equal(0.25m, (await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("model")], TimeZoneInfo.Utc)).Total.CostUsd);

        // Tags still filter and group (text now, read as jsonb); a new record appends after it in the feed.
        Assert.Equal(1L, (await ledger.SummarizeAsync(new UsageQuery { Tags = new Dictionary<string, string> { ["team"] = "a" } }, [SummaryDimension.Parse("tag:team")], TimeZoneInfo.Utc)).Total.Records);
        Assert.Equal(new AppendResult(1, 1), await ledger.AppendAsync([Make("new"), old]));
        var feed = new List<string>();
        await foreach (var batch in ledger.ReadAfterAsync(0, (await ledger.GetPositionAsync()).LastSequence))
        {
            feed.AddRange(batch.Select(r => r.Record.Id));
        }

        Assert.Equal(["old", "new"], feed);
        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
        Assert.Equal(PostgreSqlSchema.Latest.ToString(CultureInfo.InvariantCulture), health.Details["schema version"]);
    }
}
