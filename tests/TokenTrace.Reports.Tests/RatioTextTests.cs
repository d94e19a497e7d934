namespace TokenTrace.Reports.Tests;

public sealed class RatioTextTests
{
    [Fact]
    public void Cache_hit_share_is_cache_reads_over_all_input_tokens()
    {
        var totals = new UsageTotals();
        totals.Add(new UsageRecord { Id = "a", Timestamp = DateTimeOffset.UnixEpoch, Model = "m", Tokens = new TokenCounts { Input = 1_000, CacheRead = 6_000, CacheWrite = 1_000, Output = 50_000 } });
        Assert.Equal(0.75, RatioText.CacheHitShare(totals));
        Assert.Equal("75%", RatioText.Percent(RatioText.CacheHitShare(totals)));
        Assert.Null(RatioText.CacheHitShare(new UsageTotals()));
    }

    [Theory]
    [InlineData(150, 100, "+50%")]
    [InlineData(92, 100, "-8%")]
    [InlineData(100, 100, "0%")]
    [InlineData(99.99, 100, "0%")]
    [InlineData(5, 0, "new")]
    [InlineData(0, 0, "–")]
    public void Change_is_in_percent_of_the_previous_period(double now, double before, string expected)
    {
        Assert.Equal(expected, RatioText.Change(now, before));
    }
}
