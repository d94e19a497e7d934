using System.Globalization;

namespace TokenTrace.PostgreSql;

/// <summary>
/// One table of sums: its name, its key columns (after the time bucket) and the width of its bucket, a fixed number of
/// ticks (an hour, a UTC day: <c>bucket = ts / ticks</c>) or, when <paramref name="Ticks"/> is 0, the UTC calendar month
/// (<c>bucket</c> is the first tick of the month, as months are not all as long).
/// </summary>
/// <param name="Name">The table's name.</param>
/// <param name="Keys">The key columns after the bucket, all of which are also <c>usage</c> columns.</param>
/// <param name="Ticks">The bucket's width in ticks; 0 for calendar months.</param>
internal sealed record PostgreSqlRollupTable(string Name, string[] Keys, long Ticks)
{
    /// <summary>Whether the buckets are UTC calendar months.</summary>
    public bool Monthly => Ticks == 0;

    /// <summary>
    /// The bucket, in SQL, of the instant <paramref name="ticks"/> (an SQL expression of UTC ticks). A month is found from
    /// the day number by the server's (proleptic Gregorian, as .NET's) calendar: whole days, no time zone involved.
    /// </summary>
    public string BucketOf(string ticks) => Monthly
        ? string.Create(CultureInfo.InvariantCulture,
            $"(date_trunc('month', (DATE '0001-01-01' + ({ticks} / {TimeSpan.TicksPerDay})::integer)::timestamp)::date - DATE '0001-01-01')::bigint * {TimeSpan.TicksPerDay}")
        : string.Create(CultureInfo.InvariantCulture, $"{ticks} / {Ticks}");

    /// <summary>The first tick, in SQL, of the bucket in column <paramref name="bucket"/>.</summary>
    public string StartOf(string bucket) => Monthly ? bucket : string.Create(CultureInfo.InvariantCulture, $"{bucket} * {Ticks}");

    /// <summary>The bucket value of <paramref name="ticks"/>, which is on a bucket edge.</summary>
    public long BucketValue(long ticks) => Monthly ? ticks : ticks / Ticks;

    /// <summary>The first bucket edge at or after <paramref name="ticks"/>.</summary>
    public long Ceiling(long ticks)
    {
        var floor = Floor(ticks);
        if (floor == ticks)
        {
            return ticks;
        }

        if (!Monthly)
        {
            return floor + Ticks;
        }

        // No month starts after December 9999: its end is the end of time, an edge of every level.
        var start = new DateTime(floor, DateTimeKind.Utc);
        return start.Year == 9999 && start.Month == 12 ? EndOfTime : start.AddMonths(1).Ticks;
    }

    /// <summary>The last bucket edge at or before <paramref name="ticks"/>.</summary>
    public long Floor(long ticks) => !Monthly ? ticks - (ticks % Ticks) : ticks >= EndOfTime ? EndOfTime : PostgreSqlSchema.MonthStart(ticks);

    /// <summary>
    /// The instant after <see cref="DateTime.MaxValue"/> (10000-01-01): the exclusive end of every range, and a bucket
    /// edge of every level (a whole number of hours and days), where a level's ceiling of a tick in its last bucket lands.
    /// </summary>
    private static readonly long EndOfTime = DateTime.MaxValue.Ticks + 1;
}
