namespace TokenTrace.Cli;

/// <summary>
/// One 5-hour billing window (ccusage's "session block"), or the idle gap between two of them. A block starts on the hour
/// of its first record and ends 5 hours later; <see cref="FirstActivity"/> and <see cref="LastActivity"/> are the exact
/// times of its first and last records.
/// </summary>
internal sealed record BillingBlock(DateTimeOffset Start, DateTimeOffset End, DateTimeOffset FirstActivity, DateTimeOffset LastActivity, UsageTotals Totals, IReadOnlyList<string> Models)
{
    /// <summary>How long a block lasts, and how long an idle time ends one.</summary>
    public static readonly TimeSpan Length = TimeSpan.FromHours(5);

    /// <summary>Whether this row is the idle time between two blocks (from 5 hours after one's last record to the next's first), not a block.</summary>
    public bool IsGap { get; init; }

    /// <summary>
    /// Whether the block is still open at <paramref name="now"/>: it has not ended and its last record is less than 5 hours
    /// old (ccusage's rule).
    /// </summary>
    public bool IsActiveAt(DateTimeOffset now) => !IsGap && now < End && now - LastActivity < Length;

    /// <summary>The idle time between <paramref name="before"/> and <paramref name="after"/>, or null when the next block came within 5 hours.</summary>
    public static BillingBlock? GapBetween(BillingBlock before, BillingBlock after) =>
        after.FirstActivity - before.LastActivity > Length
            ? new BillingBlock(before.LastActivity + Length, after.FirstActivity, before.LastActivity + Length, after.FirstActivity, new UsageTotals(), []) { IsGap = true }
            : null;
}
