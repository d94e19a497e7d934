using System.Globalization;

namespace TokenTrace.Tests;

/// <summary>
/// A host application runs the library in its user's culture. Messages and reports must still show Gregorian dates
/// and invariant numbers: under th-TH the current calendar is Buddhist (2026 is 2569), under ar-SA it is Hijri.
/// </summary>
public sealed class CultureInvariantTextTests
{
    private static readonly DateTimeOffset ResetsAt = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(InCulture.Hostile), MemberType = typeof(InCulture))]
    public void The_budget_exceeded_message_shows_a_gregorian_reset_time_in_any_culture(string culture)
    {
        var message = InCulture.Run(culture, () => new BudgetExceededException("daily", 0.9m, 0.2m, 1.5m, BudgetUnit.Usd, ResetsAt).Message);

        Assert.Equal("Budget 'daily' is exhausted: spend $0.90 plus $0.20 in flight would pass the limit of $1.50; it resets at 2026-11-24 00:00 UTC.", message);
    }

    [Theory]
    [MemberData(nameof(InCulture.Hostile), MemberType = typeof(InCulture))]
    public void Validation_problems_write_numbers_the_invariant_way_in_any_culture(string culture)
    {
        var record = new UsageRecord { Id = "a", Timestamp = ResetsAt, Model = "m", CostUsd = -1.5m, LatencyMs = -2.5 };

        var problems = InCulture.Run(culture, () => UsageRecordValidator.Validate(record));

        Assert.Contains(problems, p => p.StartsWith("costUsd: -1.5 is outside 0..", StringComparison.Ordinal));
        Assert.Contains("latencyMs: -2.5 must be a finite number of at least 0", problems);
    }
}
