namespace TokenTrace.Server;

/// <summary>
/// The time slices one <c>GET /v1/records</c> page reads, one after the other, from the query's start (the cursor's
/// instant) until the page is full: a first slice of one minute, then each sized from the records per tick found so far
/// to hold what the page still needs (a fifth more), growing at least twofold and at most 64-fold, so that a page costs
/// a few reads of about its own records whatever the ledger's density, and sparse years are crossed in a few steps.
/// </summary>
/// <remarks>
/// <para>That suits a store that reads a range by an index on time (SQLite, PostgreSQL, another server, and a third
/// party's store is taken to be one). A file ledger reads whole files: a JSONL ledger's slices are whole UTC days, so
/// each day file is parsed about once per page; a CSV ledger is one file whatever the range, so a page is one read of
/// it from the cursor on, as small slices would parse the whole file once per slice.</para>
/// <para>A query without a start (the first page of an export with no <c>since</c>) is one slice: the whole range, read
/// once. Past <see cref="OpenEndAfter"/> from now the last slice is open to the query's end, so records stamped in the
/// far future (a wrong clock) are still read.</para>
/// </remarks>
internal sealed class PageSlices
{
    private static readonly TimeSpan FirstSlice = TimeSpan.FromMinutes(1);

    /// <summary>How far past now the slices stop growing and the last one runs to the query's end.</summary>
    private static readonly TimeSpan OpenEndAfter = TimeSpan.FromDays(1);

    /// <summary>The widest slice (a thousand years): widths are grown in ticks and capped here, far below <see cref="TimeSpan.MaxValue"/>.</summary>
    private static readonly double WidestTicks = TimeSpan.FromDays(365_250).Ticks;

    private readonly UsageQuery _query;
    private readonly int _limit;
    private readonly bool _wholeDays;
    private DateTimeOffset? _from;
    private TimeSpan _width;
    private TimeSpan _covered;
    private long _found;
    private bool _done;

    private PageSlices(UsageQuery query, int limit, bool oneRead, bool wholeDays)
    {
        _query = query;
        _limit = limit;
        _wholeDays = wholeDays;
        _from = oneRead ? null : query.Since;
        _width = wholeDays ? TimeSpan.FromDays(1) : FirstSlice;
    }

    /// <summary>The slices for reading <paramref name="ledger"/>, chosen by how it reads a range (see the remarks).</summary>
    public static PageSlices For(IUsageLedger ledger, UsageQuery query, int limit) =>
        new(query, limit, oneRead: ledger.GetService<CsvUsageLedger>() is not null, wholeDays: ledger.GetService<JsonlUsageLedger>() is not null);

    /// <summary>The next slice to read, or null when the query's range is read to its end.</summary>
    public UsageQuery? Next()
    {
        if (_done)
        {
            return null;
        }

        if (_from is not { } from)
        {
            _done = true;
            return _query;
        }

        var openEnd = DateTimeOffset.UtcNow + OpenEndAfter;
        DateTimeOffset? to = from > openEnd || openEnd - from <= _width ? null : from + _width;
        if (to is { } end && _wholeDays)
        {
            // Day files are read whole: end the slice at a UTC midnight so that no day file is parsed for a sliver of it.
            var midnight = new DateTimeOffset(end.UtcDateTime.Date, TimeSpan.Zero);
            to = midnight <= from ? midnight.AddDays(1) : midnight;
        }

        if (to is null || (_query.Until is { } until && to >= until))
        {
            _done = true;
            return _query with { Since = from };
        }

        _covered += to.Value - from;
        _from = to;
        return _query with { Since = from, Until = to };
    }

    /// <summary>Sizes the next slice from the <paramref name="records"/> the last one held for the page.</summary>
    public void Found(int records)
    {
        _found += records;
        var needed = _limit - _found;
        if (needed <= 0 || _covered <= TimeSpan.Zero)
        {
            return;
        }

        double width = _width.Ticks;
        double next;
        if (_found == 0)
        {
            next = width * 8;
        }
        else
        {
            // Ticks per record so far, times the records still wanted, and a fifth more so that one more slice usually fills it.
            next = Math.Clamp((double)_covered.Ticks / _found * needed * 1.2, width * 2, width * 64);
        }

        _width = TimeSpan.FromTicks((long)Math.Min(next, WidestTicks));
    }
}
