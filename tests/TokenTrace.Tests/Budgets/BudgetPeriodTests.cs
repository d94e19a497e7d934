namespace TokenTrace.Tests;

public sealed class BudgetPeriodTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    [Theory]
    // instant (UTC)              period     zone            start (UTC)             end (UTC)
    [InlineData("2026-11-23T10:00:00Z", "daily", "UTC", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z")]
    [InlineData("2026-11-23T23:30:00Z", "daily", "Europe/Paris", "2026-11-23T23:00:00Z", "2026-11-24T23:00:00Z")] // already the 24th in Paris
    [InlineData("2026-11-25T12:00:00Z", "weekly", "UTC", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")] // Monday to Monday
    [InlineData("2026-11-23T00:00:00Z", "weekly", "UTC", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")]
    [InlineData("2026-02-14T12:00:00Z", "monthly", "UTC", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")]
    [InlineData("2026-03-29T12:00:00Z", "daily", "Europe/Paris", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")] // 23-hour DST day
    [InlineData("2026-10-25T12:00:00Z", "daily", "Europe/Paris", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")] // 25-hour DST day
    [InlineData("2026-03-15T12:00:00Z", "monthly", "Europe/Paris", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")]
    public void Calendar_periods_reset_at_local_midnight(string now, string period, string zone, string start, string end)
    {
        var tz = zone == "UTC" ? TimeZoneInfo.Utc : Paris;
        var window = BudgetPeriod.Parse(period).WindowAt(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), tz);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), window.Start);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), window.End);
    }

    [Fact]
    public void Rolling_and_total_periods()
    {
        var now = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var rolling = BudgetPeriod.Parse("7d").WindowAt(now, TimeZoneInfo.Utc);
        Assert.Equal(now.AddDays(-7), rolling.Start);
        Assert.Equal(now, rolling.End);
        var total = BudgetPeriod.Parse("total").WindowAt(now, TimeZoneInfo.Utc);
        Assert.False(total.Resets);
        Assert.Throws<FormatException>(() => BudgetPeriod.Parse("fortnightly"));
        Assert.Throws<FormatException>(() => BudgetPeriod.Parse("0d"));
    }
}
