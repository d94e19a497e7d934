namespace TokenTrace.Tests;

public sealed class RollingWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_oldest_counted_spend_is_the_earliest_record_even_when_the_ledger_holds_it_after_later_ones()
    {
        using var temp = new TempDirectory();
        await using var ledger = new CsvUsageLedger(temp.File("usage.csv"));
        // Appended in this order: the 1 December call comes after the 5 December one in the file.
        await ledger.AppendAsync([Call("late", Now.AddDays(-1)), Call("early", new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero))]);
        var budget = new Budget { Name = "week", Limit = 100, Unit = BudgetUnit.Tokens, Period = BudgetPeriod.Parse("7d") };

        var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, Now);

        Assert.Equal(20m, status.Spend);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 9, 0, 0, TimeSpan.Zero), status.RollsOffAt); // 1 Dec 09:00 + 7 days
    }

    private static UsageRecord Call(string id, DateTimeOffset at) =>
        new() { Id = id, Timestamp = at, Model = "m", Tokens = new TokenCounts { Input = 10 }, CostUsd = 0.01m };
}
