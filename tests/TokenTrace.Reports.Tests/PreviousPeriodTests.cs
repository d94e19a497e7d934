using CsCheck;

namespace TokenTrace.Reports.Tests;

public sealed class PreviousPeriodTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    [Fact]
    public void A_30_day_range_across_a_dst_change_compares_with_the_30_local_days_before()
    {
        // 2026-10-25 is the autumn change in Paris: the range holds 30 local days but 30 × 24 h + 1 h.
        var since = DailySeries.LocalMidnight(new DateOnly(2026, 10, 10), Paris);
        var until = DailySeries.LocalMidnight(new DateOnly(2026, 11, 9), Paris);
        var (previousSince, previousUntil) = PreviousPeriod.Before(since, until, Paris);
        Assert.Equal(since, previousUntil);
        Assert.Equal(DailySeries.LocalMidnight(new DateOnly(2026, 9, 10), Paris), previousSince);
    }

    [Fact]
    public void The_previous_period_ends_where_the_range_starts_and_has_as_many_local_days()
    {
        Gen.Select(Gen.Int[0, 3_000], Gen.Int[1, 400]).Sample((start, length) =>
        {
            var first = new DateOnly(2020, 1, 1).AddDays(start);
            var since = DailySeries.LocalMidnight(first, Paris);
            var until = DailySeries.LocalMidnight(first.AddDays(length), Paris);
            var (previousSince, previousUntil) = PreviousPeriod.Before(since, until, Paris);
            Assert.Equal(since, previousUntil);
            Assert.Equal(DailySeries.LocalMidnight(first.AddDays(-length), Paris), previousSince);
        });
    }

    [Fact]
    public void A_range_between_arbitrary_instants_compares_with_the_same_duration_before()
    {
        var since = new DateTimeOffset(2026, 11, 3, 10, 30, 0, TimeSpan.Zero);
        var until = since.AddHours(5);
        Assert.Equal((since.AddHours(-5), since), PreviousPeriod.Before(since, until, TimeZoneInfo.Utc));
    }
}
