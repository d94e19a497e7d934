using Microsoft.Data.Sqlite;
using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Analytics.DuckDb.Tests;

public sealed class DuckDbCopyTests
{
    private static readonly DateTimeOffset Start = new(2025, 10, 20, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Models = ["claude-sonnet-4-5", "gpt-4o", "gemini-2.5-pro", "o3"];

    /// <summary>Heavy-tailed attribution over five months that cross both daylight-saving changes of Europe and America.</summary>
    private static List<UsageRecord> Records(int count, int seed, string prefix = "r")
    {
        var random = new Random(seed);
        string? Pick(string name, int cardinality, int nullOneIn)
        {
            if (random.Next(nullOneIn) == 0)
            {
                return null;
            }

            // Zipf-like: small numbers far more often than large ones.
            var rank = (int)Math.Floor(Math.Pow(cardinality, random.NextDouble())) - 1;
            return name + "-" + rank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return [.. Enumerable.Range(0, count).Select(i => new UsageRecord
        {
            Id = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Timestamp = Start.AddSeconds(random.Next(0, 150 * 24 * 3600)),
            Model = Models[random.Next(Models.Length)],
            Provider = i % 11 == 0 ? null : "p" + (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Source = i % 5 == 0 ? "cli" : "sdk",
            Region = i % 4 == 0 ? "eu-west-1" : null,
            Tokens = new TokenCounts
            {
                Input = random.Next(0, 200_000), Output = random.Next(50, 8_000), CacheRead = random.Next(0, 50_000), CacheWrite = i % 3,
                CacheWrite1h = i % 7 == 0 ? 1_000 : 0, Reasoning = i % 50,
            },
            CostUsd = i % 97 == 0 ? null : random.Next(0, 90_000_000) / 1_000_000_000m,
            Impact = i % 13 == 0 ? null : new ImpactEstimate(new EstimateRange(0.1, 0.2 + (i % 5), 4), new EstimateRange(0.01, 0.05, 0.3)),
            Attribution = new Attribution
            {
                Project = Pick("project", 40, 20), Job = Pick("job", 500, 5), Task = Pick("task", 2_000, 3), Agent = Pick("agent", 12, 4),
                Session = Pick("session", 3_000, 10), User = Pick("user", 30, 8),
                Tags = i % 3 == 0 ? new Dictionary<string, string> { ["env"] = i % 2 == 0 ? "prod" : "dev", ["team"] = Pick("team", 6, 5) ?? "" } : Attribution.EmptyTags,
            },
        })];
    }

    /// <summary>
    /// 12,000 records through the copy's moves: 9,000 caught up; 300 cost revisions spread over every chunk (every fourth
    /// made unpriced); 1,000 more caught up; 2,000 more left for the next summary's catch-up. The records as stored.
    /// </summary>
    private static async Task<List<UsageRecord>> LoadThroughRevisionsAndCatchUpsAsync(DuckDbAnalyticsLedger ledger, int seed)
    {
        var records = Records(12_000, seed);
        await ledger.AppendAsync(records.GetRange(0, 9_000));
        Assert.True(await ledger.CatchUpAsync());
        var revisions = Enumerable.Range(0, 300).Select(i => i * 29).Select(i => new CostRevision(records[i].Id, i % 4 == 0 ? null : (i % 900) / 11m, null)).ToList();
        await ledger.ReviseCostsAsync(revisions);
        foreach (var revision in revisions)
        {
            var index = records.FindIndex(r => r.Id == revision.Id);
            records[index] = records[index] with { CostUsd = revision.CostUsd };
        }

        await ledger.AppendAsync(records.GetRange(9_000, 1_000));
        Assert.True(await ledger.CatchUpAsync());
        await ledger.AppendAsync(records.GetRange(10_000, 2_000));
        return records;
    }

    private static (DuckDbAnalyticsLedger Ledger, SqliteUsageLedger Inner) Open(TempDirectory temp, DuckDbAnalyticsOptions? options = null)
    {
        var inner = new SqliteUsageLedger(temp.File("usage.db"));
        return (new DuckDbAnalyticsLedger(inner, temp.File("usage.duckdb"), options ?? DuckDbLedgerContractTests.Always), inner);
    }

    /// <summary>The first row of <paramref name="sql"/> over the copy's own tables, every column as a whole number.</summary>
    private static long[] CopyCounts(DuckDbAnalyticsLedger ledger, string sql)
    {
        using var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath);
        copy.Open();
        using var command = copy.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetInt64)];
    }

    private static UsageSummary Expected(IEnumerable<UsageRecord> records, UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo zone)
    {
        var builder = new UsageSummaryBuilder(by, zone);
        foreach (var record in records.Where(query.Matches))
        {
            builder.Add(record);
        }

        return builder.Build();
    }

    [Fact]
    public async Task A_provider_filled_by_reprice_reaches_the_copy_and_the_sqlite_rollup()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false });

        // Three hours of records: few rollup keys, so SQLite folds them into its hourly rollup as they are appended.
        var records = Records(3_000, seed: 11).Select((r, i) => r with { Timestamp = Start.AddMinutes(i % 180) }).ToList();
        await ledger.AppendAsync(records);
        Assert.True(await ledger.CatchUpAsync());

        // Records without a provider get one; every other one a new cost as well (both the rollup's cost trigger and its re-sum run).
        var revisions = records.Where(r => r.Provider is null)
            .Select((r, i) => new CostRevision(r.Id, i % 2 == 0 ? r.CostUsd : 0.125m, r.Price) { Provider = "anthropic" }).ToList();
        Assert.True(revisions.Count > 100);
        Assert.Equal(revisions.Count, await ledger.ReviseCostsAsync(revisions));
        foreach (var revision in revisions)
        {
            var index = records.FindIndex(r => r.Id == revision.Id);
            records[index] = records[index] with { Provider = revision.Provider, CostUsd = revision.CostUsd };
        }

        Assert.DoesNotContain(records, r => r.Provider is null);
        var copied = ledger.SummariesFromCopy;
        foreach (var by in new[] { "provider", "provider,model", "day,provider" })
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            foreach (var query in new[] { UsageQuery.All, new UsageQuery { Provider = "anthropic" } })
            {
                var expected = Expected(records, query, dimensions, TimeZoneInfo.Utc);
                UsageLedgerContract.AssertSame(expected, await ledger.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
                UsageLedgerContract.AssertSame(expected, await inner.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
            }
        }

        Assert.Equal(copied + 6, ledger.SummariesFromCopy);
    }

    [Fact]
    public async Task Every_dimension_pair_and_filter_from_the_copy_equals_the_sum_of_the_records()
    {
        using var temp = new TempDirectory();
        var (ledger, _) = Open(temp);
        var records = Records(60_000, seed: 7);
        await ledger.AppendAsync(records);
        string[] singles = ["model", "provider", "project", "job", "task", "agent", "session", "user", "source", "region", "hour", "day", "week", "month", "tag:env", "tag:team"];
        string[] pairs = ["day,project", "job,model", "agent,user", "month,job", "week,tag:env", "model,provider", "session,day", "hour,model"];
        var filters = new[]
        {
            UsageQuery.All,
            new UsageQuery { Project = "project-0" },
            new UsageQuery { Model = "gpt-4o", Agent = "agent-1" },
            new UsageQuery { Since = Start.AddDays(12).AddMinutes(17), Until = Start.AddDays(140) },
            new UsageQuery { Tags = new Dictionary<string, string> { ["env"] = "prod" } },
            new UsageQuery { User = "nobody" },
        };
        var zones = new[] { TimeZoneInfo.Utc, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"), TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"), TimeZoneInfo.FindSystemTimeZoneById("America/New_York") };
        var cases = singles.Select(by => (by, filter: filters[0], zone: zones[1]))
            .Concat(pairs.SelectMany(by => filters.Select(filter => (by, filter, zone: zones[1]))))
            .Concat(new[] { "hour", "day", "week", "month", "day,model" }.SelectMany(by => zones.Select(zone => (by, filter: filters[3], zone))));
        var count = 0;
        foreach (var (by, filter, zone) in cases)
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            UsageLedgerContract.AssertSame(Expected(records, filter, dimensions, zone), await ledger.SummarizeAsync(filter, dimensions, zone));
            count++;
        }

        Assert.Equal(count, ledger.SummariesFromCopy);
    }

    [Fact]
    public async Task Summaries_by_one_attribution_dimension_over_whole_utc_days_come_from_daily_sums_that_follow_revisions()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2_500 });
        var records = Records(12_000, seed: 5);
        await ledger.AppendAsync(records.GetRange(0, 9_000));
        Assert.True(await ledger.CatchUpAsync());

        // Revisions of records loaded in different chunks (priced, unpriced, repriced twice), then more records.
        var revisions = Enumerable.Range(0, 400).Select(i => i * 22).Select(i => new CostRevision(records[i].Id, i % 3 == 0 ? null : (i % 1000) / 7m, null)).ToList();
        await ledger.ReviseCostsAsync(revisions);
        await ledger.ReviseCostsAsync([new CostRevision(records[44].Id, 3.25m, null)]);
        foreach (var revision in revisions.Append(new CostRevision(records[44].Id, 3.25m, null)))
        {
            var index = records.FindIndex(r => r.Id == revision.Id);
            records[index] = records[index] with { CostUsd = revision.CostUsd };
        }

        await ledger.AppendAsync(records.GetRange(9_000, 3_000));
        var days = new UsageQuery { Since = Start.AddDays(10), Until = Start.AddDays(100) };
        var notWholeDays = new UsageQuery { Since = Start.AddDays(10).AddHours(5), Until = Start.AddDays(100) };
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        foreach (var name in DailyAggregates.Columns.Keys)
        {
            var by = new[] { SummaryDimension.Parse(name) };
            Assert.NotNull(DailyAggregates.For(UsageQuery.All, by, paris));
            Assert.NotNull(DailyAggregates.For(days, by, TimeZoneInfo.Utc));
            Assert.Null(DailyAggregates.For(notWholeDays, by, TimeZoneInfo.Utc));
            Assert.Null(DailyAggregates.For(new UsageQuery { Model = "o3" }, by, TimeZoneInfo.Utc));
            foreach (var query in new[] { UsageQuery.All, days, notWholeDays })
            {
                UsageLedgerContract.AssertSame(Expected(records, query, by, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, by, TimeZoneInfo.Utc));
            }

            // With UTC days, weeks and months, in either order.
            foreach (var time in new[] { "day", "week", "month" })
            {
                foreach (var pair in new[] { $"{time},{name}", $"{name},{time}" })
                {
                    var dimensions = pair.Split(',').Select(SummaryDimension.Parse).ToList();
                    Assert.NotNull(DailyAggregates.For(days, dimensions, TimeZoneInfo.Utc));
                    Assert.Null(DailyAggregates.For(days, dimensions, paris));
                    UsageLedgerContract.AssertSame(Expected(records, days, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(days, dimensions, TimeZoneInfo.Utc));
                }
            }
        }

        // UTC days, weeks and months alone: any table of daily sums holds every record (null values included).
        foreach (var time in new[] { "day", "week", "month" })
        {
            var dimensions = new[] { SummaryDimension.Parse(time) };
            Assert.NotNull(DailyAggregates.For(days, dimensions, TimeZoneInfo.Utc));
            Assert.Null(DailyAggregates.For(days, dimensions, paris));
            Assert.Null(DailyAggregates.For(notWholeDays, dimensions, TimeZoneInfo.Utc));
            foreach (var query in new[] { UsageQuery.All, days })
            {
                UsageLedgerContract.AssertSame(Expected(records, query, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
            }
        }

        Assert.Null(DailyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("hour")], TimeZoneInfo.Utc));
        Assert.Null(DailyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("project"), SummaryDimension.Parse("hour")], TimeZoneInfo.Utc));
        Assert.Null(DailyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("project"), SummaryDimension.Parse("job")], TimeZoneInfo.Utc));
        Assert.Null(DailyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("model")], TimeZoneInfo.Utc));

        // The sums are kept per chunk, day and value (these records are spread over 150 days in every chunk, so there are
        // many rows; a real, time-ordered history has a few per day), negated rows included for the revisions; the
        // project's are merged to one row per day and value instead (see the test of day and project).
        using (var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = "SELECT COUNT(*), COUNT(*) FILTER (WHERE records < 0) FROM agg_job";
            using var reader = command.ExecuteReader();
            reader.Read();
            Assert.True(reader.GetInt64(0) > 0);
            Assert.True(reader.GetInt64(1) > 0);
        }

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task Summaries_by_task_and_by_a_dimension_with_model_come_from_monthly_sums_merged_to_one_row_per_key()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2_500 });
        // Revisions of records of several months and chunks (priced, unpriced), then more records in two catch-ups.
        var records = await LoadThroughRevisionsAndCatchUpsAsync(ledger, seed: 9);

        // Records run from 2025-10-20 for 150 days: months from November to February are whole.
        var months = new UsageQuery { Since = new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero) };
        var cases = new (string By, UsageQuery Query)[]
        {
            ("task", UsageQuery.All), ("task", months), ("month,task", UsageQuery.All), ("job,model", UsageQuery.All), ("model,job", months),
            ("project", UsageQuery.All), ("agent", new UsageQuery { Model = "o3" }), ("model", new UsageQuery { Project = "project-0" }),
            ("user,month", new UsageQuery { Model = "gpt-4o", User = "user-1" }), ("job", new UsageQuery { Job = "nobody" }),
            ("agent,user", UsageQuery.All), ("user,agent", months), ("user", new UsageQuery { Agent = "agent-1" }), ("month,agent,user", UsageQuery.All),
        };
        var copied = ledger.SummariesFromCopy;
        foreach (var (by, query) in cases)
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            Assert.NotNull(MonthlyAggregates.For(query, dimensions, TimeZoneInfo.Utc));
            UsageLedgerContract.AssertSame(Expected(records, query, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
        }

        Assert.Equal(copied + cases.Length, ledger.SummariesFromCopy);

        // Shapes the monthly sums cannot answer go to the daily sums or the rows, and still add up.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var notMonths = new UsageQuery { Since = new DateTimeOffset(2025, 11, 2, 0, 0, 0, TimeSpan.Zero) };
        var byTask = new[] { SummaryDimension.Parse("task") };
        Assert.Null(MonthlyAggregates.For(notMonths, byTask, TimeZoneInfo.Utc));
        Assert.Null(MonthlyAggregates.For(new UsageQuery { Provider = "p1" }, byTask, TimeZoneInfo.Utc));
        Assert.Null(MonthlyAggregates.For(new UsageQuery { Project = "project-0" }, byTask, TimeZoneInfo.Utc));
        Assert.Null(MonthlyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("month"), SummaryDimension.Parse("task")], paris));
        Assert.Null(MonthlyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("day"), SummaryDimension.Parse("task")], TimeZoneInfo.Utc));
        Assert.Null(MonthlyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("session")], TimeZoneInfo.Utc));
        Assert.Null(MonthlyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("tag:env"), SummaryDimension.Parse("model")], TimeZoneInfo.Utc));
        Assert.Null(MonthlyAggregates.For(UsageQuery.All, [SummaryDimension.Parse("month")], TimeZoneInfo.Utc));
        UsageLedgerContract.AssertSame(Expected(records, notMonths, byTask, TimeZoneInfo.Utc), await ledger.SummarizeAsync(notMonths, byTask, TimeZoneInfo.Utc));
        var monthTask = new[] { SummaryDimension.Parse("month"), SummaryDimension.Parse("task") };
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, monthTask, paris), await ledger.SummarizeAsync(UsageQuery.All, monthTask, paris));

        // Five chunks and three catch-ups appended rows and negated rows; the merge left one row per (UTC month, task).
        var keys = records.Select(r => (r.Timestamp.UtcDateTime.Year, r.Timestamp.UtcDateTime.Month, r.Attribution.Task)).Distinct().Count();
        using (var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT (month, task)), MIN(records) FROM aggm_task";
            using (var reader = command.ExecuteReader())
            {
                reader.Read();
                Assert.Equal(keys, reader.GetInt64(0));
                Assert.Equal(keys, reader.GetInt64(1));
                Assert.True(reader.GetInt64(2) > 0);
            }

            // The same for (UTC month, agent, user).
            var pairs = records.Select(r => (r.Timestamp.UtcDateTime.Year, r.Timestamp.UtcDateTime.Month, r.Attribution.Agent, r.Attribution.User)).Distinct().Count();
            command.CommandText = "SELECT COUNT(*), MIN(records) FROM aggm_agent_user";
            using (var reader = command.ExecuteReader())
            {
                reader.Read();
                Assert.Equal(pairs, reader.GetInt64(0));
                Assert.True(reader.GetInt64(1) > 0);
            }
        }

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task Summaries_by_a_tag_come_from_daily_tag_sums_that_follow_catch_ups_and_revisions()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2_500 });
        // Revisions of records with and without tags (every third record has tags), loaded in different chunks, then
        // more records in two catch-ups.
        var records = await LoadThroughRevisionsAndCatchUpsAsync(ledger, seed: 11);

        var days = new UsageQuery { Since = Start.AddDays(10), Until = Start.AddDays(100) };
        var cases = new (string By, UsageQuery Query)[]
        {
            ("tag:env", UsageQuery.All), ("tag:team", UsageQuery.All), ("tag:team", days), ("tag:nobody", UsageQuery.All),
            ("day,tag:env", days), ("tag:team,week", UsageQuery.All), ("month,tag:team", days),
        };
        var copied = ledger.SummariesFromCopy;
        foreach (var (by, query) in cases)
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            Assert.NotNull(TagAggregates.For(query, dimensions, TimeZoneInfo.Utc));
            UsageLedgerContract.AssertSame(Expected(records, query, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
        }

        Assert.Equal(copied + cases.Length, ledger.SummariesFromCopy);

        // Shapes the tag sums cannot answer go to the rows, and still add up.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var byEnv = new[] { SummaryDimension.Parse("tag:env") };
        var notWholeDays = new UsageQuery { Since = Start.AddDays(10).AddHours(5) };
        var others = new (IReadOnlyList<SummaryDimension> By, UsageQuery Query, TimeZoneInfo Zone)[]
        {
            (byEnv, notWholeDays, TimeZoneInfo.Utc), (byEnv, new UsageQuery { Model = "o3" }, TimeZoneInfo.Utc),
            (byEnv, new UsageQuery { Tags = new Dictionary<string, string> { ["team"] = "team-1" } }, TimeZoneInfo.Utc),
            ([SummaryDimension.Parse("day"), SummaryDimension.Parse("tag:env")], UsageQuery.All, paris),
            ([SummaryDimension.Parse("tag:env"), SummaryDimension.Parse("tag:team")], UsageQuery.All, TimeZoneInfo.Utc),
            ([SummaryDimension.Parse("tag:env"), SummaryDimension.Parse("model")], UsageQuery.All, TimeZoneInfo.Utc),
        };
        foreach (var (by, query, zone) in others)
        {
            Assert.Null(TagAggregates.For(query, by, zone));
            UsageLedgerContract.AssertSame(Expected(records, query, by, zone), await ledger.SummarizeAsync(query, by, zone));
        }

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task Tag_sums_give_the_sums_worked_out_by_hand_after_a_revision()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2 });
        UsageRecord Call(string id, int day, long input, decimal? cost, string? env) => new()
        {
            Id = id, Timestamp = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddDays(day), Model = "gpt-4o", Provider = "p",
            Tokens = new TokenCounts { Input = input, Output = 1 }, CostUsd = cost,
            Attribution = new Attribution { Agent = "a", Tags = env is null ? Attribution.EmptyTags : new Dictionary<string, string> { ["env"] = env, ["team"] = "t" } },
        };

        // b1 (prod) and b2 (dev) in the first chunk, b3 (no tags) and b4 (prod) in the second; then b1 is repriced.
        await ledger.AppendAsync([Call("b1", 0, 100, 0.5m, "prod"), Call("b2", 1, 20, 0.25m, "dev"), Call("b3", 2, 7, null, null), Call("b4", 3, 3, 1m, "prod")]);
        Assert.True(await ledger.CatchUpAsync());
        await ledger.ReviseCostsAsync([new CostRevision("b1", 2m, null)]);

        // prod: b1 (revised to 2) + b4 = 2 records, 103 input, $3; dev: b2 = 1 record, 20 input, $0.25;
        // no env tag: b3 = 1 record, 7 input, unpriced. Most expensive first, so prod, dev, then the null group ($0).
        var byEnv = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("tag:env")], TimeZoneInfo.Utc);
        Assert.Equal(["prod", "dev", null], byEnv.Rows.Select(r => r.Key["tag:env"]));
        Assert.Equal((2, 103, 3m, 0), (byEnv.Rows[0].Totals.Records, byEnv.Rows[0].Totals.InputTokens, byEnv.Rows[0].Totals.CostUsd, byEnv.Rows[0].Totals.UnpricedRecords));
        Assert.Equal((1, 20, 0.25m, 0), (byEnv.Rows[1].Totals.Records, byEnv.Rows[1].Totals.InputTokens, byEnv.Rows[1].Totals.CostUsd, byEnv.Rows[1].Totals.UnpricedRecords));
        Assert.Equal((1, 7, 0m, 1), (byEnv.Rows[2].Totals.Records, byEnv.Rows[2].Totals.InputTokens, byEnv.Rows[2].Totals.CostUsd, byEnv.Rows[2].Totals.UnpricedRecords));
        Assert.Equal((4, 130, 3.25m), (byEnv.Total.Records, byEnv.Total.InputTokens, byEnv.Total.CostUsd));
        Assert.Equal(1, ledger.SummariesFromCopy);

        // Two tags per tagged record: four rows from the first chunk (b1 and b2, each env and team), two from the second
        // (b4; b3 has none), and for the revision b1's two rows negated and two new: 4 + 2 + 2 + 2 = 10 rows holding
        // 4 + 2 − 2 + 2 = 6 records.
        using (var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = "SELECT COUNT(*), SUM(records)::BIGINT FROM agg_tag";
            using var reader = command.ExecuteReader();
            reader.Read();
            Assert.Equal(10, reader.GetInt64(0));
            Assert.Equal(6, reader.GetInt64(1));
        }

        await inner.DisposeAsync();
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public async Task An_older_copy_is_brought_to_format_8_in_place_and_answers_tags_agent_user_pairs_and_sessions(int format)
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2_500 });
        var records = Records(8_000, seed: 13);
        await ledger.AppendAsync(records.GetRange(0, 6_000));
        Assert.True(await ledger.CatchUpAsync());

        // What a format-6 copy is: no tag sums, no agent-user sums, no session totals; format 7 lacks the session totals.
        // A sentinel row in another sums table tells an upgrade in place (it stays) from a rebuild (it goes).
        using (var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = format == 6
                ? "UPDATE copy_state SET format = 6; DELETE FROM agg_tag; DELETE FROM aggm_agent_user; DROP TABLE aggt_session; DROP TABLE aggt_project_job;"
                : "UPDATE copy_state SET format = 7; DROP TABLE aggt_session; DROP TABLE aggt_project_job;";
            command.CommandText += " INSERT INTO agg_project (day, value, records) VALUES (-1, 'sentinel', 0);";
            command.ExecuteNonQuery();
        }

        await ledger.AppendAsync(records.GetRange(6_000, 2_000));
        foreach (var by in new[] { "tag:env", "tag:team", "agent,user", "user", "session", "job" })
        {
            var query = by switch { "user" => new UsageQuery { Agent = "agent-1" }, "job" => new UsageQuery { Project = "project-0" }, _ => UsageQuery.All };
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            UsageLedgerContract.AssertSame(Expected(records, query, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
        }

        using (var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = "SELECT (SELECT format FROM copy_state), (SELECT COUNT(*) FROM agg_project WHERE value = 'sentinel'), (SELECT COUNT(*) FROM agg_tag), "
                + "(SELECT COUNT(*) FROM aggm_agent_user), (SELECT COUNT(*) FROM aggt_session), (SELECT COUNT(*) FROM aggt_project_job)";
            using var reader = command.ExecuteReader();
            reader.Read();
            Assert.Equal(8, reader.GetInt32(0));
            Assert.Equal(1, reader.GetInt64(1));
            Assert.True(reader.GetInt64(2) > 0);
            Assert.True(reader.GetInt64(3) > 0);

            // One row per session, the sessionless records' group among them.
            Assert.Equal(records.Select(r => r.Attribution.Session).Distinct().Count(), reader.GetInt64(4));
            Assert.Equal(records.Select(r => (r.Attribution.Project, r.Attribution.Job)).Distinct().Count(), reader.GetInt64(5));
        }

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task A_summary_by_session_over_everything_comes_from_session_totals_kept_at_one_row_per_session_through_catch_ups_and_revisions()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2_500 });
        // Five chunks, 300 revisions across them, two more catch-ups (the last one by the summary itself): sessions recur
        // across chunks, so every load had rows to merge.
        var records = await LoadThroughRevisionsAndCatchUpsAsync(ledger, seed: 15);
        var bySession = new[] { SummaryDimension.Parse("session") };

        Assert.True(AllTimeAggregates.Answers(UsageQuery.All, bySession));
        var copied = ledger.SummariesFromCopy;
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, bySession, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, bySession, TimeZoneInfo.Utc));
        Assert.Equal(copied + 1, ledger.SummariesFromCopy);

        // A range, a filter or a second dimension goes to the daily sums or the rows, and still adds up.
        var days = new UsageQuery { Since = Start.AddDays(10), Until = Start.AddDays(100) };
        var others = new (IReadOnlyList<SummaryDimension> By, UsageQuery Query)[]
        {
            (bySession, days), (bySession, new UsageQuery { Model = "o3" }), (bySession, new UsageQuery { Session = "session-1" }),
            ([SummaryDimension.Parse("session"), SummaryDimension.Parse("model")], UsageQuery.All), ([SummaryDimension.Parse("tag:session")], UsageQuery.All),
        };
        foreach (var (by, query) in others)
        {
            Assert.False(AllTimeAggregates.Answers(query, by));
            UsageLedgerContract.AssertSame(Expected(records, query, by, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, by, TimeZoneInfo.Utc));
        }

        var counts = CopyCounts(ledger, "SELECT COUNT(*), COUNT(DISTINCT value), COUNT(*) FILTER (WHERE value IS NULL), MIN(records), SUM(records)::BIGINT FROM aggt_session");
        var sessions = records.Where(r => r.Attribution.Session is not null).Select(r => r.Attribution.Session).Distinct().Count();
        Assert.Equal([sessions + 1, sessions, 1], counts[..3]);
        Assert.True(counts[3] > 0);
        Assert.Equal(12_000, counts[4]);

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task Summaries_by_project_or_job_filtered_by_the_other_come_from_project_job_sums_merged_after_each_catch_up()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2_500 });
        // Five chunks, 300 revisions across them, two more catch-ups (the last one by the first summary below).
        var records = await LoadThroughRevisionsAndCatchUpsAsync(ledger, seed: 17);

        var cases = new (string By, UsageQuery Query)[]
        {
            ("job", new UsageQuery { Project = "project-0" }), ("job", new UsageQuery { Project = "project-7" }), ("project", new UsageQuery { Job = "job-3" }),
            ("project,job", new UsageQuery { Project = "project-1" }), ("job", new UsageQuery { Project = "nobody" }),
            ("job", new UsageQuery { Project = "project-0", Job = "job-0" }),
        };
        var copied = ledger.SummariesFromCopy;
        foreach (var (by, query) in cases)
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            Assert.NotNull(ProjectJobAggregates.For(query, dimensions));
            UsageLedgerContract.AssertSame(Expected(records, query, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
        }

        Assert.Equal(copied + cases.Length, ledger.SummariesFromCopy);

        // A range, another filter or another dimension is not theirs, and still adds up.
        var byJob = new[] { SummaryDimension.Parse("job") };
        var others = new (IReadOnlyList<SummaryDimension> By, UsageQuery Query)[]
        {
            (byJob, new UsageQuery { Project = "project-0", Since = Start.AddDays(10) }), (byJob, new UsageQuery { Project = "project-0", Model = "o3" }),
            ([SummaryDimension.Parse("task")], new UsageQuery { Project = "project-0" }), ([SummaryDimension.Parse("job")], UsageQuery.All),
        };
        foreach (var (by, query) in others)
        {
            Assert.Null(ProjectJobAggregates.For(query, by));
            UsageLedgerContract.AssertSame(Expected(records, query, by, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, by, TimeZoneInfo.Utc));
        }

        // The merges left one row per pair (the null project and the null job among them), none empty.
        var counts = CopyCounts(ledger, "SELECT COUNT(*), MIN(records), SUM(records)::BIGINT FROM aggt_project_job");
        Assert.Equal(records.Select(r => (r.Attribution.Project, r.Attribution.Job)).Distinct().Count(), counts[0]);
        Assert.True(counts[1] > 0);
        Assert.Equal(12_000, counts[2]);

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task Daily_project_sums_are_kept_at_one_row_per_day_and_project_so_day_and_project_read_them_ungrouped()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2_500 });
        // Five chunks (a day's records split between two of them), 300 revisions, two more catch-ups.
        var records = await LoadThroughRevisionsAndCatchUpsAsync(ledger, seed: 19);

        var days = new UsageQuery { Since = Start.AddDays(10), Until = Start.AddDays(100) };
        foreach (var (by, query, ungrouped) in new[] { ("day,project", UsageQuery.All, true), ("project,day", days, true), ("week,project", UsageQuery.All, false), ("project", days, false) })
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            Assert.Equal(("agg_project", ungrouped), (DailyAggregates.For(query, dimensions, TimeZoneInfo.Utc)?.Table, DailyAggregates.OneRowPerGroup("agg_project", dimensions)));
            UsageLedgerContract.AssertSame(Expected(records, query, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(query, dimensions, TimeZoneInfo.Utc));
        }

        using (var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = "SELECT COUNT(*), MIN(records), SUM(records)::BIGINT FROM agg_project";
            using var reader = command.ExecuteReader();
            reader.Read();
            Assert.Equal(records.Select(r => (r.Timestamp.UtcDateTime.Date, r.Attribution.Project)).Distinct().Count(), reader.GetInt64(0));
            Assert.True(reader.GetInt64(1) > 0);
            Assert.Equal(12_000, reader.GetInt64(2));
        }

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task Session_totals_give_the_sums_worked_out_by_hand_after_a_revision()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2 });
        UsageRecord Call(string id, int day, long input, decimal? cost, string? session) => new()
        {
            Id = id, Timestamp = new DateTimeOffset(2026, 1, 1, 23, 0, 0, TimeSpan.Zero).AddDays(day), Model = "gpt-4o", Provider = "p",
            Tokens = new TokenCounts { Input = input, Output = 1 }, CostUsd = cost,
            Impact = new ImpactEstimate(new EstimateRange(1, 2, 4), new EstimateRange(0.5, 1, 2)),
            Attribution = new Attribution { Session = session },
        };

        // Chunks of two: (s1 on 1 Jan, s1 on 2 Jan), (s2, no session); then a second catch-up: (s1 on 5 Jan, no session);
        // then s1's first record is repriced.
        await ledger.AppendAsync([Call("c1", 0, 100, 0.5m, "s1"), Call("c2", 1, 20, 0.25m, "s1"), Call("c3", 2, 7, null, "s2"), Call("c4", 3, 3, 1m, null)]);
        Assert.True(await ledger.CatchUpAsync());
        await ledger.AppendAsync([Call("c5", 4, 1_000, 0.125m, "s1"), Call("c6", 5, 2, 0.5m, null)]);
        Assert.True(await ledger.CatchUpAsync());
        await ledger.ReviseCostsAsync([new CostRevision("c1", 3m, null)]);

        // s1: c1 (revised to $3) + c2 + c5 = 3 records, 1,120 input, $3.375, energy 3 × 2 Wh; no session: c4 + c6 = 2 records,
        // 5 input, $1.5; s2: c3 = 1 record, 7 input, unpriced ($0). Most expensive first.
        var summary = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("session")], TimeZoneInfo.Utc);
        Assert.Equal(["s1", null, "s2"], summary.Rows.Select(r => r.Key["session"]));
        Assert.Equal((3, 1_120, 3.375m, 0, 6.0), (summary.Rows[0].Totals.Records, summary.Rows[0].Totals.InputTokens, summary.Rows[0].Totals.CostUsd, summary.Rows[0].Totals.UnpricedRecords, summary.Rows[0].Totals.EnergyWh!.Value.Central));
        Assert.Equal((2, 5, 1.5m, 0), (summary.Rows[1].Totals.Records, summary.Rows[1].Totals.InputTokens, summary.Rows[1].Totals.CostUsd, summary.Rows[1].Totals.UnpricedRecords));
        Assert.Equal((1, 7, 0m, 1), (summary.Rows[2].Totals.Records, summary.Rows[2].Totals.InputTokens, summary.Rows[2].Totals.CostUsd, summary.Rows[2].Totals.UnpricedRecords));
        Assert.Equal((6, 1_132, 4.875m, 12.0), (summary.Total.Records, summary.Total.InputTokens, summary.Total.CostUsd, summary.Total.EnergyWh!.Value.Central));
        Assert.Equal(1, ledger.SummariesFromCopy);

        // Four loads (two chunks, then one, then the revision's replacement), each merged in its own transaction: one row
        // per session, s1's holding its three records after its first was taken out (negated) and put back.
        using (var copy = new DuckDB.NET.Data.DuckDBConnection("Data Source=" + ledger.DatabasePath))
        {
            copy.Open();
            using var command = copy.CreateCommand();
            command.CommandText = "SELECT value, records, input FROM aggt_session ORDER BY value NULLS FIRST";
            using var reader = command.ExecuteReader();
            var rows = new List<(string?, long, long)>();
            while (reader.Read())
            {
                rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            Assert.Equal([(null, 2, 5), ("s1", 3, 1_120), ("s2", 1, 7)], rows);
        }

        await inner.DisposeAsync();
    }

    [Fact]
    public async Task Monthly_sums_give_the_sums_worked_out_by_hand_after_a_revision()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 2 });
        UsageRecord Call(string id, int day, string model, long input, long output, decimal? cost) => new()
        {
            Id = id, Timestamp = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddDays(day), Model = model, Provider = "p",
            Tokens = new TokenCounts { Input = input, Output = output }, CostUsd = cost,
            Attribution = new Attribution { Task = "t1", Job = "j1" },
        };

        // January: a1, a2 (gpt-4o) and a3 (o3); February (day 40): a4 (gpt-4o). Chunks of two records: a1+a2, a3+a4.
        await ledger.AppendAsync([Call("a1", 0, "gpt-4o", 100, 10, 0.5m), Call("a2", 3, "gpt-4o", 200, 20, 0.25m), Call("a3", 5, "o3", 300, 30, null), Call("a4", 40, "gpt-4o", 400, 40, 1m)]);
        Assert.True(await ledger.CatchUpAsync());
        await ledger.ReviseCostsAsync([new CostRevision("a2", 2m, null)]);

        var byTask = await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("task")], TimeZoneInfo.Utc);
        var row = Assert.Single(byTask.Rows);
        Assert.Equal("t1", row.Key["task"]);
        Assert.Equal(4, row.Totals.Records);
        Assert.Equal(100 + 200 + 300 + 400, row.Totals.InputTokens);
        Assert.Equal(10 + 20 + 30 + 40, row.Totals.OutputTokens);
        Assert.Equal(0.5m + 2m + 1m, row.Totals.CostUsd);
        Assert.Equal(1, row.Totals.UnpricedRecords);

        // January only, by job and model: gpt-4o has a1 + a2 (revised), o3 has a3.
        var january = new UsageQuery { Since = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), Until = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero) };
        var byJobModel = await ledger.SummarizeAsync(january, [SummaryDimension.Parse("job"), SummaryDimension.Parse("model")], TimeZoneInfo.Utc);
        Assert.Equal(["gpt-4o", "o3"], byJobModel.Rows.Select(r => r.Key["model"]));
        Assert.Equal((2, 300, 2.5m), (byJobModel.Rows[0].Totals.Records, byJobModel.Rows[0].Totals.InputTokens, byJobModel.Rows[0].Totals.CostUsd));
        Assert.Equal((1, 300, 0m, 1), (byJobModel.Rows[1].Totals.Records, byJobModel.Rows[1].Totals.InputTokens, byJobModel.Rows[1].Totals.CostUsd, byJobModel.Rows[1].Totals.UnpricedRecords));
        Assert.Equal(2, ledger.SummariesFromCopy);
        await inner.DisposeAsync();
    }

    [Fact]
    public async Task The_copy_follows_appends_cost_revisions_and_its_own_deletion()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp);
        var records = Records(3_000, seed: 1);
        await ledger.AppendAsync(records.GetRange(0, 2_000));
        var byProject = new[] { SummaryDimension.Parse("project") };
        UsageLedgerContract.AssertSame(Expected(records.Take(2_000), UsageQuery.All, byProject, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc));

        await ledger.AppendAsync(records.GetRange(2_000, 1_000));
        await ledger.ReviseCostsAsync([new CostRevision("r5", 12.5m, null), new CostRevision("r2500", null, null)]);
        records[5] = records[5] with { CostUsd = 12.5m };
        records[2_500] = records[2_500] with { CostUsd = null };
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byProject, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc));

        // A copy that is deleted, or damaged, is built again.
        File.Delete(ledger.DatabasePath);
        File.Delete(ledger.DatabasePath + ".wal");
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byProject, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc));
        await File.WriteAllTextAsync(ledger.DatabasePath, "not a database");
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byProject, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc));
        Assert.Equal(4, ledger.SummariesFromCopy);
        await inner.DisposeAsync();
    }

    [Fact]
    public async Task A_copy_of_another_ledger_under_the_same_name_is_rebuilt()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp);
        var byJob = new[] { SummaryDimension.Parse("job") };
        var first = Records(1_000, seed: 2, prefix: "a");
        await ledger.AppendAsync(first);
        await ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc);
        await inner.DisposeAsync();
        SqliteConnection.ClearAllPools();

        // Replaced by a new ledger with more records (a restored or recreated file): sequence numbers mean other records now.
        File.Delete(temp.File("usage.db"));
        var second = Records(1_500, seed: 3, prefix: "b");
        var (again, replaced) = Open(temp);
        await again.AppendAsync(second);
        UsageLedgerContract.AssertSame(Expected(second, UsageQuery.All, byJob, TimeZoneInfo.Utc), await again.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));
        Assert.Equal(1, again.SummariesFromCopy);
        await replaced.DisposeAsync();
    }

    [Fact]
    public async Task Small_ledgers_and_rollup_shapes_the_copy_has_no_sums_for_are_answered_by_the_ledger_itself()
    {
        using var temp = new TempDirectory();
        var (ledger, _) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 1_000 });
        var records = Records(1_200, seed: 4);
        await ledger.AppendAsync(records.GetRange(0, 999));
        await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("job")], TimeZoneInfo.Utc);
        Assert.Equal(0, ledger.SummariesFromCopy);
        Assert.False(File.Exists(ledger.DatabasePath));

        await ledger.AppendAsync(records.GetRange(999, 201));
        await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model, SummaryDimension.Day], TimeZoneInfo.Utc);
        await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("hour")], TimeZoneInfo.Utc);
        Assert.Equal(0, ledger.SummariesFromCopy);
        var byJob = new[] { SummaryDimension.Parse("job") };
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byJob, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));
        Assert.Equal(1, ledger.SummariesFromCopy);

        // Shapes both the ledger's hourly rollup and the copy's sums answer go to the copy's sums (tens of thousands of
        // rows at 10 M records against the rollup's 129,000): model from the monthly sums by (project, model), days
        // from the daily sums. In another zone a day is not the sums' UTC day: the rollup answers.
        foreach (var by in new[] { "model", "day", "month" })
        {
            var dimensions = new[] { SummaryDimension.Parse(by) };
            UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, dimensions, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, dimensions, TimeZoneInfo.Utc));
        }

        Assert.Equal(4, ledger.SummariesFromCopy);
        await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Day], TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));
        Assert.Equal(4, ledger.SummariesFromCopy);
        Assert.True(await ledger.CatchUpAsync());
    }

    [Fact]
    public async Task A_restored_backup_with_other_revisions_is_copied_again()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp);
        var records = Records(500, seed: 5);
        await ledger.AppendAsync(records);
        await inner.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Copy(temp.File("usage.db"), temp.File("backup.db"));

        var byProject = new[] { SummaryDimension.Parse("project") };
        await ledger.ReviseCostsAsync([new CostRevision("r1", 100m, null), new CostRevision("r2", 100m, null)]);
        await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc);
        await inner.DisposeAsync();
        SqliteConnection.ClearAllPools();

        // The backup comes back (same identity, change numbers starting again) and is revised differently.
        File.Copy(temp.File("backup.db"), temp.File("usage.db"), overwrite: true);
        File.Delete(temp.File("usage.db-wal"));
        File.Delete(temp.File("usage.db-shm"));
        await ledger.ReviseCostsAsync([new CostRevision("r5", 7m, null), new CostRevision("r6", 7m, null), new CostRevision("r7", 7m, null)]);
        foreach (var i in new[] { 5, 6, 7 })
        {
            records[i] = records[i] with { CostUsd = 7m };
        }

        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byProject, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byProject, TimeZoneInfo.Utc));
        Assert.Equal(2, ledger.SummariesFromCopy);
        await inner.DisposeAsync();
    }

    [Fact]
    public async Task A_copy_damaged_inside_is_built_again_and_a_copy_that_cannot_be_written_leaves_the_answer_to_the_ledger()
    {
        using var temp = new TempDirectory();
        var (ledger, inner) = Open(temp);
        var records = Records(2_000, seed: 6);
        await ledger.AppendAsync(records);
        var byJob = new[] { SummaryDimension.Parse("job") };
        var expected = Expected(records, UsageQuery.All, byJob, TimeZoneInfo.Utc);
        UsageLedgerContract.AssertSame(expected, await ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));

        // Overwrite the copy's header and first blocks: DuckDB reports a corrupt file, not a lock.
        await using (var file = new FileStream(ledger.DatabasePath, FileMode.Open, FileAccess.Write))
        {
            file.Seek(4_096, SeekOrigin.Begin);
            file.Write(new byte[16_384]);
        }

        UsageLedgerContract.AssertSame(expected, await ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));
        Assert.Equal(2, ledger.SummariesFromCopy);

        var (unwritable, _) = Open(temp, new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, TemporaryDirectory = temp.File("no-such-folder") });
        File.Delete(unwritable.DatabasePath);
        UsageLedgerContract.AssertSame(expected, await unwritable.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));
        Assert.Equal(0, unwritable.SummariesFromCopy);
        Assert.False(await unwritable.CatchUpAsync());

        // Two failures in a row leave a marker that sends summaries straight to the ledger; removing it tries again.
        Assert.Contains("could not be built", await File.ReadAllTextAsync(unwritable.DatabasePath + ".failed"), StringComparison.Ordinal);
        File.Delete(unwritable.DatabasePath + ".failed");
        UsageLedgerContract.AssertSame(expected, await ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));
        Assert.Equal(3, ledger.SummariesFromCopy);
        await inner.DisposeAsync();
    }

    [Fact]
    public async Task A_summary_too_large_for_duckdbs_memory_is_answered_by_the_ledger_and_the_copy_is_kept()
    {
        using var temp = new TempDirectory();
        var options = new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false };
        var (ledger, inner) = Open(temp, options);

        // 20,000 records, each its own task: a summary by task and day is 20,000 groups, far more than 1 MB holds.
        var records = Records(20_000, seed: 21).Select((r, i) => r with { Attribution = r.Attribution with { Task = "task-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) } }).ToList();
        await ledger.AppendAsync(records);
        var byModel = new[] { SummaryDimension.Parse("model") };
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byModel, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byModel, TimeZoneInfo.Utc));
        Assert.Equal(1, ledger.SummariesFromCopy);
        var built = File.GetLastWriteTimeUtc(ledger.DatabasePath);

        options.LoadMemoryLimit = "1MB";
        options.QueryMemoryLimit = "1MB";
        var byTaskAndDay = new[] { SummaryDimension.Parse("task"), SummaryDimension.Parse("day") };
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byTaskAndDay, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byTaskAndDay, TimeZoneInfo.Utc));

        // The ledger answered; the copy is where it was, not marked failed, and answers the next summary without a rebuild.
        Assert.Equal(1, ledger.SummariesFromCopy);
        Assert.True(File.Exists(ledger.DatabasePath));
        Assert.False(File.Exists(ledger.DatabasePath + ".failed"));
        // The loading limit is still 1 MB: the query runs out of it, and gets 512 MB on its second try.
        options.QueryMemoryLimit = "512MB";
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byTaskAndDay, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byTaskAndDay, TimeZoneInfo.Utc));
        Assert.Equal(2, ledger.SummariesFromCopy);
        Assert.Equal(built, File.GetLastWriteTimeUtc(ledger.DatabasePath));
        await inner.DisposeAsync();
    }

    [Fact]
    public async Task An_error_of_the_ledger_during_a_catch_up_reaches_the_caller_and_leaves_the_copy_alone()
    {
        using var temp = new TempDirectory();
        var sqlite = new SqliteUsageLedger(temp.File("usage.db"));
        var failing = new FailingFeedLedger(sqlite);
        var ledger = new DuckDbAnalyticsLedger(failing, temp.File("usage.duckdb"), DuckDbLedgerContractTests.Always);
        var records = Records(1_500, seed: 8);
        await ledger.AppendAsync(records.GetRange(0, 1_000));
        var byJob = new[] { SummaryDimension.Parse("job") };
        await ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc);
        await ledger.AppendAsync(records.GetRange(1_000, 500));

        failing.FailReads = true;
        var error = await Assert.ThrowsAsync<IOException>(() => ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));
        Assert.Equal("the ledger's disk failed", error.Message);
        Assert.True(File.Exists(ledger.DatabasePath));
        Assert.False(File.Exists(ledger.DatabasePath + ".failed"));

        failing.FailReads = false;
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, byJob, TimeZoneInfo.Utc), await ledger.SummarizeAsync(UsageQuery.All, byJob, TimeZoneInfo.Utc));
        Assert.Equal(2, ledger.SummariesFromCopy);
        await sqlite.DisposeAsync();
    }

    [Fact]
    public async Task A_catch_up_in_many_chunks_loads_them_in_order_and_resumes_after_the_feed_fails_between_them()
    {
        using var temp = new TempDirectory();
        var sqlite = new SqliteUsageLedger(temp.File("usage.db"));
        var failing = new FailingFeedLedger(sqlite);
        var options = new DuckDbAnalyticsOptions { MinimumRecords = 0, PreferLedgerAggregates = false, ChunkRecords = 300 };
        var ledger = new DuckDbAnalyticsLedger(failing, temp.File("usage.duckdb"), options);
        var records = Records(4_000, seed: 21);
        await ledger.AppendAsync(records);
        var by = new[] { SummaryDimension.Parse("session"), SummaryDimension.Parse("day") };
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

        // Batches of 300 records, each a chunk: after seven of them the feed fails while earlier chunks load.
        failing.FailAfterBatches = 7;
        await Assert.ThrowsAsync<IOException>(() => ledger.CatchUpAsync());
        Assert.False(File.Exists(ledger.DatabasePath + ".failed"));

        failing.FailAfterBatches = null;
        Assert.True(await ledger.CatchUpAsync());
        UsageLedgerContract.AssertSame(Expected(records, UsageQuery.All, by, zone), await ledger.SummarizeAsync(UsageQuery.All, by, zone));
        var job = new UsageQuery { Job = records[17].Attribution.Job };
        UsageLedgerContract.AssertSame(Expected(records, job, by, zone), await ledger.SummarizeAsync(job, by, zone));
        Assert.Equal(2, ledger.SummariesFromCopy);
        await sqlite.DisposeAsync();
    }

    /// <summary>A SQLite ledger whose change feed fails to read records while <see cref="FailReads"/> is set.</summary>
    private sealed class FailingFeedLedger(SqliteUsageLedger inner) : DelegatingUsageLedger(inner), IUsageChangeFeed
    {
        public bool FailReads { get; set; }

        /// <summary>When set, reads fail after this many batches.</summary>
        public int? FailAfterBatches { get; set; }

        public Task<UsageFeedPosition> GetPositionAsync(CancellationToken cancellationToken = default) => inner.GetPositionAsync(cancellationToken);

        public async IAsyncEnumerable<IReadOnlyList<SequencedUsageRecord>> ReadAfterAsync(
            long afterSequence, long upToSequence, int batchSize = 10_000, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var given = 0;
            await foreach (var batch in inner.ReadAfterAsync(afterSequence, upToSequence, batchSize, cancellationToken))
            {
                if (FailReads || given++ == FailAfterBatches)
                {
                    throw new IOException("the ledger's disk failed");
                }

                yield return batch;
            }
        }

        public Task<IReadOnlyList<long>> ChangedAsync(long afterChange, long upToChange, CancellationToken cancellationToken = default) =>
            inner.ChangedAsync(afterChange, upToChange, cancellationToken);

        public Task<long?> GetChangeMarkAsync(long change, CancellationToken cancellationToken = default) => inner.GetChangeMarkAsync(change, cancellationToken);

        public Task<IReadOnlyList<SequencedUsageRecord>> ReadSequencesAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default) =>
            inner.ReadSequencesAsync(sequences, cancellationToken);
    }
}
