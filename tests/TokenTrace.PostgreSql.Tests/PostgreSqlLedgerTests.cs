using System.Globalization;
using Npgsql;

namespace TokenTrace.PostgreSql.Tests;

/// <summary>What only the PostgreSQL ledger has: id claims across monthly partitions, partitions made on demand, URLs.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlLedgerTests(PostgreSqlServer server)
{
    private static UsageRecord Make(string id, DateTimeOffset at, decimal? cost = 0.25m) => new()
    {
        Id = id,
        Timestamp = at,
        Model = "claude-sonnet-4-5",
        Tokens = new TokenCounts { Input = 100, Output = 10 },
        CostUsd = cost,
    };

    private async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private async Task<List<string>> PartitionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'usage'::regclass ORDER BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    [Fact]
    public async Task Re_appending_the_same_batch_stores_nothing_twice_even_under_another_month()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));

        // 900 records over three months (300 each), and the first one again at the end of the batch.
        var start = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        var batch = Enumerable.Range(0, 900).Select(i => Make("r" + i.ToString(CultureInfo.InvariantCulture), start.AddMonths(i / 300).AddMinutes(i))).ToList();
        batch.Add(batch[0] with { CostUsd = 99m });

        Assert.Equal(new AppendResult(900, 1), await ledger.AppendAsync(batch));
        Assert.Equal(new AppendResult(0, 901), await ledger.AppendAsync(batch));

        // The same ids at other instants (another month's partition): still the same records, still stored once.
        var moved = batch.Select(r => r with { Timestamp = r.Timestamp.AddMonths(5), CostUsd = 1m }).ToList();
        Assert.Equal(new AppendResult(0, 901), await ledger.AppendAsync(moved));

        // Through a second ledger object (another pool, as another process would be): the same.
        await using (var other = new PostgreSqlUsageLedger(server.Spec(database)))
        {
            Assert.Equal(new AppendResult(1, 2), await other.AppendAsync([batch[5], batch[6], Make("new", start)]));
        }

        Assert.Equal(901, await CountAsync(database, "SELECT COUNT(*) FROM usage"));
        Assert.Equal(901, await CountAsync(database, "SELECT COUNT(*) FROM usage_ids"));

        // 901 records at $0.25 each (the first copy of r0 won, not the $99 repeat): $225.25.
        var total = (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total;
        Assert.Equal(901, total.Records);
        Assert.Equal(225.25m, total.CostUsd);
        Assert.True((await ledger.CheckAsync()).IsHealthy);
    }

    [Fact]
    public async Task A_record_in_a_month_without_a_partition_creates_it_once_even_when_eight_ledgers_race()
    {
        var database = await server.CreateDatabaseAsync();
        await using (var first = new PostgreSqlUsageLedger(server.Spec(database)))
        {
            await first.AppendAsync([Make("dec", new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero))]);
        }

        Assert.Equal(["usage_2026_12"], await PartitionsAsync(database));

        // Eight ledger objects (eight pools) append into July 2031 at once: each must find or create its partition.
        var ledgers = Enumerable.Range(0, 8).Select(_ => new PostgreSqlUsageLedger(server.Spec(database))).ToList();
        try
        {
            var july = new DateTimeOffset(2031, 7, 31, 23, 59, 59, TimeSpan.Zero);
            var results = await Task.WhenAll(ledgers.Select((ledger, i) => Task.Run(() => ledger.AppendAsync([Make("jul" + i.ToString(CultureInfo.InvariantCulture), july)]))));
            Assert.All(results, r => Assert.Equal(new AppendResult(1, 0), r));
        }
        finally
        {
            foreach (var ledger in ledgers)
            {
                await ledger.DisposeAsync();
            }
        }

        Assert.Equal(["usage_2026_12", "usage_2031_07"], await PartitionsAsync(database));
        Assert.Equal(8, await CountAsync(database, "SELECT COUNT(*) FROM usage_2031_07"));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM usage_2026_12"));

        // A range read touches only the months it covers and finds the records in them.
        await using var reader = new PostgreSqlUsageLedger(server.Spec(database));
        var query = new UsageQuery { Since = new DateTimeOffset(2031, 7, 1, 0, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2031, 8, 1, 0, 0, 0, TimeSpan.Zero) };
        var ids = new List<string>();
        await foreach (var record in reader.ReadAsync(query))
        {
            ids.Add(record.Id);
        }

        Assert.Equal(Enumerable.Range(0, 8).Select(i => "jul" + i.ToString(CultureInfo.InvariantCulture)), ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_registry_opens_both_url_schemes_and_never_shows_the_password()
    {
        var database = await server.CreateDatabaseAsync();
        var factory = new UsageLedgerFactory().AddPostgreSql();

        // Trust authentication on loopback accepts any password, so the URL's one is only there to be hidden.
        var url = string.Create(CultureInfo.InvariantCulture, $"postgresql://postgres:s3cret@127.0.0.1:{server.Port}/{database}?timeout=10");
        await using (var ledger = factory.Open(url))
        {
            Assert.IsType<PostgreSqlUsageLedger>(ledger);
            Assert.DoesNotContain("s3cret", ledger.Spec, StringComparison.Ordinal);
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"postgresql://postgres@127.0.0.1:{server.Port}/{database}?timeout=10"), ledger.Spec);
            Assert.Equal(new AppendResult(1, 0), await ledger.AppendAsync([Make("a", DateTimeOffset.UtcNow)]));
        }

        await using (var ledger = factory.Open(server.Spec(database)))
        {
            Assert.Equal(1, (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.Records);
        }

        await using (var ledger = factory.Open(server.Spec(database) + "?Password=s3cret&timeout=10"))
        {
            Assert.Equal(server.Spec(database) + "?timeout=10", ledger.Spec);
        }

        Assert.Contains("postgres", factory.Schemes);
        Assert.Contains("postgresql", factory.Schemes);
    }

    [Fact]
    public async Task A_missing_database_or_a_bad_url_is_a_clear_error()
    {
        await using var missing = new PostgreSqlUsageLedger(server.Spec("no_such_database"));
        var error = await Assert.ThrowsAsync<LedgerNotFoundException>(() => missing.AppendAsync([Make("a", DateTimeOffset.UtcNow)]));
        Assert.Contains("the database does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("createdb", error.Message, StringComparison.Ordinal);

        Assert.Contains("name the database", Assert.Throws<FormatException>(() => new PostgreSqlUsageLedger("postgres://u:pw@localhost:5432")).Message, StringComparison.Ordinal);
        var option = Assert.Throws<FormatException>(() => new PostgreSqlUsageLedger("postgres://u:pw@localhost/db?colour=blue"));
        Assert.Contains("'colour'", option.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", option.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nul_character_is_refused_naming_the_field_and_nothing_of_the_batch_is_stored()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        var bad = Make("b", DateTimeOffset.UtcNow) with { Attribution = new Attribution { Project = "a\0b" } };
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => ledger.AppendAsync([Make("a", DateTimeOffset.UtcNow), bad]));
        Assert.Contains("project: holds a NUL character", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.Records);
    }

    [Fact]
    public async Task Time_keys_match_in_zones_the_server_knows_and_in_zones_it_does_not_up_to_the_last_tick_of_a_day()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        var lastTick = new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero).AddTicks(-1);
        await ledger.AppendAsync([Make("a", lastTick), Make("b", lastTick.AddTicks(1)), Make("c", new DateTimeOffset(2026, 3, 29, 0, 59, 59, TimeSpan.Zero).AddTicks(9_999_999))]);

        // UTC (the server computes the keys): a is the last tick of 3 November, b the first of 4 November.
        var utc = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Day], TimeZoneInfo.Utc);
        Assert.Equal(["2026-03-29", "2026-11-03", "2026-11-04"], utc.Rows.Select(r => r.Key["day"]));

        // A zone the server has no name for (15-minute buckets named by .NET): +05:30 puts a at 05:29:59.9999999 and b at
        // 05:30 on 4 November, one hour key; c at 06:29:59.9999999 on 29 March.
        var custom = TimeZoneInfo.CreateCustomTimeZone("TokenTrace/Test+0530", TimeSpan.FromMinutes(330), "test", "test");
        var hours = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("hour")], custom);
        Assert.Equal(["2026-03-29T06:00", "2026-11-04T05:00"], hours.Rows.Select(r => r.Key["hour"]));
        Assert.Equal([1L, 2L], hours.Rows.Select(r => r.Totals.Records));

        // Every time dimension in a zone with daylight saving (server keys) and in the custom zone (bucket keys) agrees
        // with the in-memory summary of the same three records.
        foreach (var zone in new[] { TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"), custom })
        {
            foreach (var name in new[] { "hour", "day", "week", "month" })
            {
                var expected = new UsageSummaryBuilder([SummaryDimension.Parse(name)], zone);
                await foreach (var record in ledger.ReadAsync(UsageQuery.All))
                {
                    expected.Add(record);
                }

                TokenTrace.Tests.UsageLedgerContract.AssertSame(expected.Build(), await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse(name)], zone));
            }
        }
    }

    [Fact]
    public async Task A_month_dropped_for_retention_is_made_again_by_the_next_append_into_it()
    {
        var database = await server.CreateDatabaseAsync();
        await using var ledger = new PostgreSqlUsageLedger(server.Spec(database));
        var at = new DateTimeOffset(2025, 1, 15, 12, 0, 0, TimeSpan.Zero);
        await ledger.AppendAsync([Make("old", at)]);

        // Retention as the runbook describes it: the month's table and its sums go; here its ids stay, so "old" is never
        // stored again. 638739648000000000 is the first tick of February 2025.
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand(
                """
                BEGIN;
                DROP TABLE usage_2025_01;
                DELETE FROM usage_hourly WHERE bucket < 638739648000000000 / 36000000000;
                DELETE FROM usage_daily_project WHERE bucket < 638739648000000000 / 864000000000;
                DELETE FROM usage_daily_job WHERE bucket < 638739648000000000 / 864000000000;
                DELETE FROM usage_daily_agent WHERE bucket < 638739648000000000 / 864000000000;
                DELETE FROM usage_daily_user_name WHERE bucket < 638739648000000000 / 864000000000;
                DELETE FROM usage_monthly_job WHERE bucket < 638739648000000000;
                DELETE FROM usage_monthly_user_name WHERE bucket < 638739648000000000;
                COMMIT;
                """, admin);
            await drop.ExecuteNonQueryAsync();
        }

        // The same ledger object still believes the month exists: its append fails once inside, remakes it, and succeeds.
        Assert.Equal(new AppendResult(1, 1), await ledger.AppendAsync([Make("new", at), Make("old", at)]));
        Assert.Equal(["usage_2025_01"], await PartitionsAsync(database));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM usage"));

        // doctor: healthy, and says how many ids retention left without a row (old's); the sums count "new" alone.
        var health = await ledger.CheckAsync();
        Assert.True(health.IsHealthy, string.Join("; ", health.Problems));
        Assert.Equal("1", health.Details["ids kept without a row (retention)"]);
        Assert.Equal(1L, (await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("model")], TimeZoneInfo.Utc)).Total.Records);

        // Dropping a month without its sums is what doctor catches: once "new" is folded into the sums (schema 4), the
        // hourly sums still count the month's record.
        Assert.Equal(1, await ledger.CatchUpRollupsAsync());
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand("DROP TABLE usage_2025_01", admin);
            await drop.ExecuteNonQueryAsync();
        }

        var broken = await ledger.CheckAsync();
        Assert.Contains(broken.Problems, p => p.Message.Contains("usage_hourly sums 1 records but usage holds 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_role_that_may_only_read_summarizes_and_its_writes_fail_naming_the_ledger()
    {
        var database = await server.CreateDatabaseAsync();
        await using (var owner = new PostgreSqlUsageLedger(server.Spec(database)))
        {
            await owner.AppendAsync([Make("a", new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)), Make("b", new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.Zero))]);
        }

        var role = "reader_" + database;
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var grant = new NpgsqlCommand($"CREATE ROLE {role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", admin);
            await grant.ExecuteNonQueryAsync();
        }

        await using var reader = new PostgreSqlUsageLedger(string.Create(CultureInfo.InvariantCulture, $"postgres://{role}@127.0.0.1:{server.Port}/{database}"));

        // Two records at $0.25: $0.50.
        Assert.Equal(0.5m, (await reader.SummarizeAsync(UsageQuery.All, [SummaryDimension.Day], TimeZoneInfo.Utc)).Total.CostUsd);
        var error = await Assert.ThrowsAsync<IOException>(() => reader.AppendAsync([Make("c", new DateTimeOffset(2026, 11, 4, 9, 0, 0, TimeSpan.Zero))]));
        Assert.Contains(role + "@127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("permission denied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ledger_where_no_server_answers_is_not_found_and_its_password_is_never_shown()
    {
        // Port 1 on loopback refuses the connection: as a mistyped path, the command line says so with exit 2.
        await using var ledger = new PostgreSqlUsageLedger("postgres://alice:s3cret-pw@127.0.0.1:1/usage");
        var error = await Assert.ThrowsAsync<LedgerNotFoundException>(() => ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc));
        Assert.Contains("no PostgreSQL server answers there", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.Message, StringComparison.Ordinal);
    }
}
