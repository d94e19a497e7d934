namespace TokenTrace.Reports;

/// <summary>Spend per local day over a range of days, zero-filled, in one unit.</summary>
public sealed class DailySeries
{
    private readonly decimal[] _values;

    private DailySeries(DateOnly first, decimal[] values)
    {
        First = first;
        _values = values;
    }

    /// <summary>The first day.</summary>
    public DateOnly First { get; }

    /// <summary>The number of days.</summary>
    public int Count => _values.Length;

    /// <summary>Spend on <paramref name="day"/> (zero outside the range).</summary>
    public decimal this[DateOnly day]
    {
        get
        {
            var index = day.DayNumber - First.DayNumber;
            return index >= 0 && index < _values.Length ? _values[index] : 0;
        }
    }

    /// <summary>The days and their spend, in order.</summary>
    public IEnumerable<(DateOnly Day, decimal Spend)> Days => _values.Select((v, i) => (First.AddDays(i), v));

    /// <summary>Builds a series from explicit values (for tests and fixtures).</summary>
    public static DailySeries FromValues(DateOnly first, IEnumerable<decimal> values) => new(first, [.. values]);

    /// <summary>Reads the spend of <paramref name="scope"/> per local day from <paramref name="first"/> to <paramref name="last"/>.</summary>
    public static async Task<DailySeries> ReadAsync(IUsageLedger ledger, UsageQuery scope, BudgetUnit unit, DateOnly first, DateOnly last, TimeZoneInfo timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(scope);
        var values = new decimal[Math.Max(0, last.DayNumber - first.DayNumber + 1)];
        if (values.Length == 0)
        {
            return new DailySeries(first, values);
        }

        var query = scope with { Since = LocalMidnight(first, timeZone), Until = LocalMidnight(last.AddDays(1), timeZone) };
        var summary = await ledger.SummarizeAsync(query, [SummaryDimension.Day], timeZone, cancellationToken).ConfigureAwait(false);
        var probe = new Budget { Name = "series", Limit = 1, Period = BudgetPeriod.Parse("total"), Unit = unit };
        foreach (var row in summary.Rows)
        {
            var day = DateOnly.ParseExact(row.Key["day"]!, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var index = day.DayNumber - first.DayNumber;
            if (index >= 0 && index < values.Length)
            {
                values[index] = probe.SpendOf(row.Totals);
            }
        }

        return new DailySeries(first, values);
    }

    /// <summary>The instant local <paramref name="day"/> starts in <paramref name="timeZone"/> (the first valid time when midnight falls in a DST gap).</summary>
    public static DateTimeOffset LocalMidnight(DateOnly day, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (timeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, timeZone.GetUtcOffset(local)).ToUniversalTime();
    }
}
