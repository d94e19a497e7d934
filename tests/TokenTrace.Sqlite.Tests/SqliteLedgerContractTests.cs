using TokenTrace.Sqlite;
using TokenTrace.Tests;

namespace TokenTrace.Sqlite.Tests;

public sealed class SqliteLedgerContractTests : UsageLedgerContract
{
    protected override IUsageLedger Open(string directory) => new SqliteUsageLedger(Path.Combine(directory, "usage.db"));

    [Fact]
    public void Columns_follow_the_shared_field_order()
    {
        Assert.Equal(UsageRecordFields.Names, SqliteSchema.Columns.Select(c => c.Field));
    }

    [Fact]
    public async Task A_damaged_database_is_reported_with_its_path()
    {
        using var temp = new TempDirectory();
        var path = temp.File("usage.db");
        await File.WriteAllTextAsync(path, "this is not a database, it was truncated and overwritten");
        var ledger = new SqliteUsageLedger(path);
        var error = await Assert.ThrowsAsync<LedgerFormatException>(() => ledger.AppendAsync([new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UtcNow, Model = "m" }]));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.False((await ledger.CheckAsync()).IsHealthy);
    }
}

public sealed class SqliteLargeSummaryTests
{
    [Fact]
    public async Task A_summary_split_across_cores_equals_the_sum_of_its_records()
    {
        using var temp = new TempDirectory();
        var ledger = new SqliteUsageLedger(temp.File("usage.db"));
        var random = new Random(42);
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        string[] models = ["claude-sonnet-4-5", "gpt-4o", "gemini-2.5-pro"];
        var records = Enumerable.Range(0, 260_000).Select(i => new UsageRecord
        {
            Id = "r" + i,
            Timestamp = start.AddMinutes(random.Next(0, 60 * 24 * 90)),
            Model = models[i % 3],
            Tokens = new TokenCounts { Input = random.Next(0, 10_000), Output = random.Next(0, 1_000), CacheRead = i % 5 },
            CostUsd = i % 97 == 0 ? null : random.Next(0, 1_000_000) / 1_000_000_000m,
            Attribution = new Attribution { Project = "p" + (i % 7) },
        }).ToList();
        for (var i = 0; i < records.Count; i += 50_000)
        {
            await ledger.AppendAsync(records.GetRange(i, Math.Min(50_000, records.Count - i)));
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        foreach (var by in new[] { "model", "week,project" })
        {
            var dimensions = by.Split(',').Select(SummaryDimension.Parse).ToList();
            var expected = new UsageSummaryBuilder(dimensions, zone);
            records.ForEach(expected.Add);
            UsageLedgerContract.AssertSame(expected.Build(), await ledger.SummarizeAsync(UsageQuery.All, dimensions, zone));
        }
    }
}
