using TokenTrace.Tests;

namespace TokenTrace.Tests.Ledger;

/// <summary><see cref="LedgerOpenContext.OpenExistingOnly"/> on the built-in file ledgers: readers get an error, not a new ledger.</summary>
public sealed class OpenExistingOnlyTests
{
    private static readonly LedgerOpenContext ExistingOnly = new() { OpenExistingOnly = true };

    [Theory]
    [InlineData("jsonl", "missing/usage")]
    [InlineData("csv", "missing/usage.csv")]
    public void A_missing_file_ledger_throws_naming_spec_and_location_and_creates_nothing(string scheme, string relative)
    {
        using var temp = new TempDirectory();
        var location = Path.Combine(temp.Path, relative);

        var ex = Assert.Throws<LedgerNotFoundException>(() => new UsageLedgerFactory().Open($"{scheme}:{location}", ExistingOnly));

        Assert.Equal($"{scheme}:{location}", ex.Spec);
        Assert.Equal(location, ex.Location);
        Assert.Contains(location, ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Theory]
    [InlineData("jsonl", "usage")]
    [InlineData("csv", "usage.csv")]
    public async Task An_existing_file_ledger_opens_and_reads_what_was_written(string scheme, string relative)
    {
        using var temp = new TempDirectory();
        var spec = $"{scheme}:{Path.Combine(temp.Path, relative)}";
        await using (var writer = new UsageLedgerFactory().Open(spec))
        {
            await writer.AppendAsync([new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UtcNow, Model = "gpt-4o", Tokens = new TokenCounts { Input = 5 } }]);
        }

        await using var reader = new UsageLedgerFactory().Open(spec, ExistingOnly);

        Assert.Equal(["a"], await reader.ReadAsync(UsageQuery.All).Select(r => r.Id).ToListAsync());
    }

    [Fact]
    public async Task A_csv_ledger_that_holds_only_budgets_exists()
    {
        using var temp = new TempDirectory();
        var spec = "csv:" + temp.File("usage.csv");
        await using (var writer = new UsageLedgerFactory().Open(spec))
        {
            await writer.GetRequiredService<IBudgetStore>().SaveBudgetAsync(new Budget { Name = "cap", Limit = 1, Period = BudgetPeriod.Parse("daily") });
        }

        Assert.False(File.Exists(temp.File("usage.csv")));
        await using var reader = new UsageLedgerFactory().Open(spec, ExistingOnly);

        Assert.Equal(["cap"], (await reader.GetRequiredService<IBudgetStore>().ListBudgetsAsync()).Select(b => b.Name));
    }

    [Fact]
    public void Without_the_flag_a_missing_ledger_opens_as_before()
    {
        using var temp = new TempDirectory();

        var ledger = new UsageLedgerFactory().Open("jsonl:" + temp.File("new"));

        Assert.NotNull(ledger);
    }
}
