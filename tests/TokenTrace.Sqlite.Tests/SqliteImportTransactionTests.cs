using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteImportTransactionTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_import_is_invisible_to_other_readers_until_it_commits_and_then_all_there_with_its_rollup()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        var ledger = new SqliteUsageLedger(path);
        await using var reader = new SqliteUsageLedger(path);
        await using (ledger)
        {
            var transaction = await ledger.BeginImportAsync();
            await using (transaction)
            {
                // Two batches, the second over two more hours: 3 records of gpt-4o and 1 of o3.
                Assert.Equal(2, transaction.Append([Make("a", "gpt-4o", 0.25m, 0, "alpha"), Make("b", "gpt-4o", 0.5m, 10, "beta")]).Added);
                Assert.Equal(2, transaction.Append([Make("c", "gpt-4o", 1m, 70, "alpha"), Make("d", "o3", 2m, 130, "gamma")]).Added);

                Assert.Equal(0, (await reader.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.Records);
                transaction.Commit();
            }

            // gpt-4o: 0.25 + 0.5 + 1 = 1.75 USD over 3 records, 3 × 1,000 = 3,000 input tokens; o3: 2 USD, 1 record.
            var byModel = (await reader.SummarizeAsync(UsageQuery.All, [SummaryDimension.Model], TimeZoneInfo.Utc)).Rows
                .ToDictionary(r => r.Key["model"]!, r => r.Totals);
            Assert.Equal(3, byModel["gpt-4o"].Records);
            Assert.Equal(1.75m, byModel["gpt-4o"].CostUsd);
            Assert.Equal(3_000, byModel["gpt-4o"].InputTokens);
            Assert.Equal(2m, byModel["o3"].CostUsd);
            Assert.Equal(["alpha", "beta", "alpha", "gamma"], await reader.ReadAsync(UsageQuery.All).Select(r => r.Attribution.Project!).ToListAsync());
        }
    }

    [Fact]
    public async Task A_budget_reservation_during_an_import_gives_up_within_seconds_saying_why_instead_of_waiting_a_minute()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await using var importer = new SqliteUsageLedger(path);
        await using var app = new SqliteUsageLedger(path);
        var budget = new Budget { Name = "cap", Period = BudgetPeriod.Parse("total"), Limit = 10m, Mode = BudgetMode.Hard };
        var window = budget.Period.WindowAt(At, TimeZoneInfo.Utc);
        var before = await app.TryReserveAsync(budget, window, 1m, At, TimeSpan.FromMinutes(5));
        Assert.NotNull(before.Reservation);

        var transaction = await importer.BeginImportAsync();
        await using (transaction)
        {
            transaction.Append([Make("a", "gpt-4o", 0.25m, 0, "alpha")]);

            // The import holds the write lock. A reservation used to wait the ledger's 60 s for it (and then fail): it now
            // gives up after about 2 s, so the caller's model call is not held (the tracker lets it go unreserved).
            var refused = await Assert.ThrowsAsync<IOException>(() => Task.Run(() => app.TryReserveAsync(budget, window, 1m, At, TimeSpan.FromMinutes(5))).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("write lock", refused.Message, StringComparison.Ordinal);
            transaction.Commit();
        }

        // Committed: $0.25 spent, the first reservation's $1 still held; the connection waits as usual again.
        var after = await app.TryReserveAsync(budget, window, 1m, At, TimeSpan.FromMinutes(5));
        Assert.NotNull(after.Reservation);
        Assert.Equal((0.25m, 1m), (after.Spend, after.InFlight));
        Assert.True(await app.SettleAsync(after.Reservation!.Id));
    }

    [Fact]
    public async Task An_import_disposed_without_commit_stores_nothing_and_the_values_it_saw_are_not_trusted_later()
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        await using (ledger)
        {
            await ledger.AppendAsync([Make("kept", "gpt-4o", 1m, 0, "old-project")]);
            var transaction = await ledger.BeginImportAsync();
            await using (transaction)
            {
                transaction.Append([Make("x", "o3", 2m, 0, "rolled-back-project"), Make("y", "o3", 3m, 5, "old-project")]);
            }

            Assert.Equal(["kept"], await ledger.ReadAsync(UsageQuery.All).Select(r => r.Id).ToListAsync());

            // The rolled-back transaction added "o3" and "rolled-back-project" to dims and lost them: an append after it
            // must store them again, not reuse ids that no longer exist.
            await ledger.AppendAsync([Make("z", "o3", 4m, 10, "rolled-back-project")]);
            var z = await ledger.ReadAsync(UsageQuery.All).SingleAsync(r => r.Id == "z");
            Assert.Equal("o3", z.Model);
            Assert.Equal("rolled-back-project", z.Attribution.Project);
            Assert.Equal(5m, (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.CostUsd); // 1 + 4
        }
    }

    [Fact]
    public async Task Ids_already_stored_or_repeated_within_the_import_are_duplicates_and_counted_once()
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        await using (ledger)
        {
            await ledger.AppendAsync([Make("stored", "gpt-4o", 1m, 0, "p")]);
            var transaction = await ledger.BeginImportAsync();
            await using (transaction)
            {
                var first = transaction.Append([Make("stored", "gpt-4o", 10m, 0, "p"), Make("new", "gpt-4o", 2m, 1, "p")]);
                var second = transaction.Append([Make("new", "gpt-4o", 20m, 1, "p"), Make("newer", "gpt-4o", 3m, 2, "p")]);
                transaction.Commit();

                Assert.Equal((1, 1), (first.Added, first.Duplicates));
                Assert.Equal((1, 1), (second.Added, second.Duplicates));
                Assert.Throws<InvalidOperationException>(() => transaction.Append([Make("late", "gpt-4o", 1m, 3, "p")]));
            }

            // 1 (stored) + 2 (new) + 3 (newer); the repeats' 10 and 20 are not counted.
            var total = (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total;
            Assert.Equal(3, total.Records);
            Assert.Equal(6m, total.CostUsd);
        }
    }

    [Fact]
    public async Task An_invalid_record_late_in_a_batch_is_refused_by_name_and_nothing_of_the_import_is_kept()
    {
        // Each record is validated just before its insert: the records before the bad one are already in the
        // transaction when it throws, so the transaction must refuse more appends and roll all of them back.
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        await using (ledger)
        {
            await ledger.AppendAsync([Make("before", "gpt-4o", 1m, 0, "p")]);
            var transaction = await ledger.BeginImportAsync();
            await using (transaction)
            {
                transaction.Append([Make("a", "gpt-4o", 2m, 1, "new-project")]);
                var bad = Make("bad", "gpt-4o", 3m, 3, "p") with { Tokens = new TokenCounts { Input = -5 } };
                var error = Assert.Throws<ArgumentException>(() => transaction.Append([Make("b", "gpt-4o", 4m, 2, "new-project"), bad, Make("c", "gpt-4o", 5m, 4, "p")]));
                Assert.Contains("'bad'", error.Message, StringComparison.Ordinal);
                Assert.Contains("input: -5 is negative", error.Message, StringComparison.Ordinal);
                Assert.Throws<InvalidOperationException>(() => transaction.Append([Make("d", "gpt-4o", 6m, 5, "p")]));
                Assert.Throws<InvalidOperationException>(transaction.Commit);
            }

            // Only the record stored before the import: 1 record, $1, and no trace of "new-project".
            var total = (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total;
            Assert.Equal((1, 1m), (total.Records, total.CostUsd));
            Assert.Equal(["before"], await ledger.ReadAsync(UsageQuery.All).Select(r => r.Id).ToListAsync());
            Assert.Empty(await ledger.ReadAsync(new UsageQuery { Project = "new-project" }).ToListAsync());
        }
    }

    [Fact]
    public async Task The_rollup_an_import_stores_is_the_same_bit_for_bit_however_its_appends_are_chunked()
    {
        // 12,000 records over 20 hours with energy and CO2e estimates whose float sums depend on where partial sums
        // are added: the rollup is updated every 5,000 records handed to the import, whatever the appends' size, so
        // chunks of 1,000, 5,000, 7 and 12,000 must store the same rows, the REAL sums to the last bit.
        var records = Enumerable.Range(0, 12_000).Select(i => Make("r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), i % 3 == 0 ? "o3" : "gpt-4o", 0.001m * (i % 17), i / 10, "p") with
        {
            Impact = new ImpactEstimate(new EstimateRange(0.1 / (i + 1), 1.0 / (i + 3), 10.0 / (i + 7)), new EstimateRange(0.3 / (i + 1), 0.7 / (i + 2), 3.0 / (i + 5))),
        }).ToList();
        var rollups = new List<string>();
        foreach (var chunk in new[] { 1_000, 5_000, 7, 12_000 })
        {
            using var temp = new TempDirectory();
            var ledger = new SqliteUsageLedger(temp.File("usage.db"));
            await using (ledger)
            {
                var transaction = await ledger.BeginImportAsync();
                await using (transaction)
                {
                    foreach (var part in records.Chunk(chunk))
                    {
                        transaction.Append(part);
                    }

                    transaction.Commit();
                }

                Assert.Equal(12_000, (await ledger.SummarizeAsync(UsageQuery.All, [], TimeZoneInfo.Utc)).Total.Records);
            }

            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={temp.File("usage.db")};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT group_concat(printf('%d|%s|%d|%!.17g|%!.17g|%!.17g|%!.17g|%!.17g|%!.17g', bucket, model, records, energy_low, energy, energy_high, co2e_low, co2e, co2e_high), ';') FROM (SELECT * FROM usage_rollup ORDER BY bucket, model)";
            rollups.Add((string)command.ExecuteScalar()!);
        }

        Assert.Contains("|o3|", rollups[0], StringComparison.Ordinal);
        Assert.All(rollups, r => Assert.Equal(rollups[0], r));
    }

    [Fact]
    public async Task Values_the_import_forgot_past_its_bound_are_found_again_and_stored_under_the_right_ids()
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db")) { MaxResolvedPerImport = 3 };
        await using (ledger)
        {
            // 12 records over 5 projects, each project seen again after the map of 3 has started over.
            var projects = Enumerable.Range(0, 12).Select(i => "project-" + (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var transaction = await ledger.BeginImportAsync();
            await using (transaction)
            {
                transaction.Append(projects.Select((p, i) => Make("r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "gpt-4o", 1m, i, p)).ToList());
                transaction.Commit();
            }

            // After the commit the ledger trusts only the values still remembered; every project must read back, and an
            // append of each project again (remembered or not) must store the same text.
            await ledger.AppendAsync(Enumerable.Range(0, 5).Select(i => Make("again" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "gpt-4o", 1m, 20 + i, "project-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList());
            var read = await ledger.ReadAsync(UsageQuery.All).ToDictionaryAsync(r => r.Id, r => r.Attribution.Project);
            for (var i = 0; i < 12; i++)
            {
                Assert.Equal(projects[i], read["r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            for (var i = 0; i < 5; i++)
            {
                Assert.Equal("project-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), read["again" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            // 5 projects, each in dims once: 12 + 5 records, 17 USD.
            var byProject = (await ledger.SummarizeAsync(UsageQuery.All, [SummaryDimension.Parse("project")], TimeZoneInfo.Utc)).Rows;
            Assert.Equal(5, byProject.Count);
            Assert.Equal(17m, byProject.Sum(r => r.Totals.CostUsd));
        }
    }

    private static UsageRecord Make(string id, string model, decimal cost, int minutes, string project) => new()
    {
        Id = id,
        Timestamp = At.AddMinutes(minutes),
        Model = model,
        CostUsd = cost,
        Tokens = new TokenCounts { Input = 1_000, Output = 100 },
        Attribution = new Attribution { Project = project },
    };
}
