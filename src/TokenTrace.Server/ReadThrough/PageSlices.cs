namespace TokenTrace.Server;

/// <summary>
/// The time slices one <c>GET /v1/records</c> page reads, one after the other, from the query's start (the cursor's
/// instant) until the page is full: a first slice of one minute, then each sized from the records per tick found so far
/// to hold what the page still needs (a fifth more), growing at least twofold and at most 64-fold, so that a page costs
/// a few reads of about its own records whatever the ledger's density, and sparse years are crossed in a few steps.
/// </summary>
/// <remarks>
/// A query without a start (the first page of an export with no <c>since</c>) is one slice: the whole range, read once.
/// Past <see cref="OpenEndAfter"/> from now the last slice is open to the query's end, so records stamped in the far
/// future (a wrong clock) are still read.
/// </remarks>
internal sealed class PageSlices(UsageQuery query, int limit)
{
    private static readonly TimeSpan FirstSlice = TimeSpan.FromMinutes(1);

    /// <summary>How far past now the slices stop growing and the last one runs to the query's end.</summary>
    private static readonly TimeSpan OpenEndAfter = TimeSpan.FromDays(1);

    /// <summary>The widest slice (a thousand years): widths are grown in ticks and capped here, far below <see cref="TimeSpan.MaxValue"/>.</summary>
    private static readonly double WidestTicks = TimeSpan.FromDays(365_250).Ticks;

    private DateTimeOffset? _from = query.Since;
    private TimeSpan _width = FirstSlice;
    private TimeSpan _covered;
    private long _found;
    private bool _done;

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
            return query;
        }

        var openEnd = DateTimeOffset.UtcNow + OpenEndAfter;
        var to = from > openEnd || openEnd - from <= _width ? (DateTimeOffset?)null : from + _width;
        if (to is null || (query.Until is { } until && to >= until))
        {
            _done = true;
            return query with { Since = from };
        }

        _from = to;
        _covered += _width;
        return query with { Since = from, Until = to };
    }

    /// <summary>Sizes the next slice from the <paramref name="records"/> the last one held for the page.</summary>
    public void Found(int records)
    {
        _found += records;
        var needed = limit - _found;
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
