using System.Globalization;

namespace TokenTrace;

/// <summary>
/// How often a budget resets: <c>daily</c>, <c>weekly</c> (Monday), <c>monthly</c> (the 1st) at local midnight in the
/// budget's time zone; <c>total</c> (never); or rolling <c>Nd</c> (the last N days up to now).
/// </summary>
public readonly record struct BudgetPeriod
{
    private BudgetPeriod(string name, int rollingDays)
    {
        Name = name;
        RollingDays = rollingDays;
    }

    /// <summary>The period as written (<c>daily</c>, <c>7d</c>…).</summary>
    public string Name { get; }

    /// <summary>For a rolling period, its length in days; 0 otherwise.</summary>
    public int RollingDays { get; }

    /// <summary>Parses a period.</summary>
    /// <exception cref="FormatException">The text is not a known period.</exception>
    public static BudgetPeriod Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.Trim().ToLowerInvariant();
        if (lower is "daily" or "weekly" or "monthly" or "total")
        {
            return new BudgetPeriod(lower, 0);
        }

        if (lower.Length > 1 && lower[^1] == 'd' && int.TryParse(lower[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 3660)
        {
            return new BudgetPeriod(lower, days);
        }

        throw new FormatException($"period '{text}': expected daily, weekly, monthly, total or Nd (rolling N days, such as 7d)");
    }

    /// <summary>The window containing <paramref name="now"/> in <paramref name="timeZone"/>.</summary>
    public BudgetWindow WindowAt(DateTimeOffset now, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        if (Name == "total")
        {
            return new BudgetWindow(DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
        }

        if (RollingDays > 0)
        {
            return new BudgetWindow(now.AddDays(-RollingDays), now);
        }

        var local = TimeZoneInfo.ConvertTime(now, timeZone).DateTime.Date;
        var (start, end) = Name switch
        {
            "daily" => (local, local.AddDays(1)),
            "weekly" => (local.AddDays(-(((int)local.DayOfWeek + 6) % 7)), local.AddDays(-(((int)local.DayOfWeek + 6) % 7) + 7)),
            _ => (new DateTime(local.Year, local.Month, 1), new DateTime(local.Year, local.Month, 1).AddMonths(1)),
        };
        return new BudgetWindow(AtLocalMidnight(start, timeZone), AtLocalMidnight(end, timeZone));
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    // Midnight can fall in a DST gap (a few zones switch at 00:00); the first valid instant after it is the boundary.
    private static DateTimeOffset AtLocalMidnight(DateTime localDate, TimeZoneInfo timeZone)
    {
        var local = DateTime.SpecifyKind(localDate, DateTimeKind.Unspecified);
        while (timeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, timeZone.GetUtcOffset(local)).ToUniversalTime();
    }
}
