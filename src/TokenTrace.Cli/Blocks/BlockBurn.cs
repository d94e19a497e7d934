namespace TokenTrace.Cli;

/// <summary>
/// How fast an active block is being used and where that pace takes it by the block's end. The pace is the block's usage
/// over the time from its first record to now (not to its last record, as ccusage does): a pause counts as a slower
/// pace, a block of one record has a pace, and a burst that just ended does not read as a rate that goes on.
/// </summary>
internal sealed record BlockBurn(TimeSpan Elapsed, TimeSpan Remaining, double TokensPerMinute, decimal? CostUsdPerHour, long ProjectedTokens, decimal? ProjectedCostUsd)
{
    /// <summary>The shortest time a pace is taken over, so that a block whose first record came seconds ago does not project a thousandfold.</summary>
    public static readonly TimeSpan MinimumSpan = TimeSpan.FromMinutes(1);

    /// <summary>The pace and projection of <paramref name="block"/> at <paramref name="now"/> (inside the block).</summary>
    public static BlockBurn Of(BillingBlock block, DateTimeOffset now)
    {
        var span = now - block.FirstActivity < MinimumSpan ? MinimumSpan : now - block.FirstActivity;
        var remaining = block.End > now ? block.End - now : TimeSpan.Zero;
        var tokens = block.Totals.TotalTokens;
        var cost = Money.KnownCost(block.Totals);

        // Decimal ratios of ticks: exact, so a projection worked out by hand matches to the cent and the token.
        var ahead = (decimal)remaining.Ticks / span.Ticks;
        return new BlockBurn(
            now - block.Start,
            remaining,
            (double)tokens * TimeSpan.TicksPerMinute / span.Ticks,
            cost * TimeSpan.TicksPerHour / span.Ticks,
            tokens + (long)Math.Round(tokens * ahead, MidpointRounding.AwayFromZero),
            cost + cost * ahead);
    }
}
