namespace TokenTrace.Analytics.DuckDb;

/// <summary>A time zone's UTC offsets over a range of instants, as the instants where the offset changes.</summary>
internal static class ZoneOffsets
{
    /// <summary>
    /// The offsets of <paramref name="timeZone"/> between <paramref name="fromTicks"/> and <paramref name="toTicks"/> (UTC
    /// ticks): the first segment starts at <paramref name="fromTicks"/>, each next one at the first tick with a new offset.
    /// </summary>
    /// <remarks>
    /// The offset is sampled at every day boundary and each change is narrowed down to the tick by bisection, which
    /// finds every change of a real zone (they are months apart) in a few thousand offset lookups per decade. Two
    /// changes within one day that cancel out would be missed; no zone has them.
    /// </remarks>
    public static IReadOnlyList<(long From, long Offset)> Between(TimeZoneInfo timeZone, long fromTicks, long toTicks)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var min = DateTimeOffset.MinValue.UtcTicks;
        var max = DateTimeOffset.MaxValue.UtcTicks;
        fromTicks = Math.Clamp(fromTicks, min, max);
        toTicks = Math.Clamp(toTicks, fromTicks, max);
        var segments = new List<(long From, long Offset)> { (fromTicks, OffsetAt(timeZone, fromTicks)) };
        if (timeZone.GetAdjustmentRules().Length == 0)
        {
            return segments;
        }

        var at = fromTicks;
        while (at < toTicks)
        {
            var next = Math.Min(toTicks, at + TimeSpan.TicksPerDay);
            var offset = OffsetAt(timeZone, next);
            if (offset != segments[^1].Offset)
            {
                // The first tick in (at, next] with the new offset.
                var (low, high) = (at, next);
                while (high - low > 1)
                {
                    var middle = low + ((high - low) / 2);
                    (low, high) = OffsetAt(timeZone, middle) == offset ? (low, middle) : (middle, high);
                }

                segments.Add((high, offset));
            }

            at = next;
        }

        return segments;
    }

    private static long OffsetAt(TimeZoneInfo timeZone, long utcTicks) =>
        timeZone.GetUtcOffset(new DateTimeOffset(utcTicks, TimeSpan.Zero)).Ticks;
}
