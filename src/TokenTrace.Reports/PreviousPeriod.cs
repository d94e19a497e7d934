namespace TokenTrace.Reports;

/// <summary>The period of the same length immediately before a report's range, to compare against.</summary>
internal static class PreviousPeriod
{
    /// <summary>
    /// The range ending at <paramref name="since"/> that is as long as [<paramref name="since"/>, <paramref name="until"/>).
    /// When both ends are local midnights the length is counted in local days, so a 30-day report across a DST change
    /// compares with 30 whole days, not 30 × 24 hours.
    /// </summary>
    public static (DateTimeOffset Since, DateTimeOffset Until) Before(DateTimeOffset since, DateTimeOffset until, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(since, timeZone).DateTime);
        var end = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(until, timeZone).DateTime);
        if (DailySeries.LocalMidnight(first, timeZone) == since && DailySeries.LocalMidnight(end, timeZone) == until && end > first)
        {
            return (DailySeries.LocalMidnight(first.AddDays(first.DayNumber - end.DayNumber), timeZone), since);
        }

        return (since - (until - since), since);
    }
}
