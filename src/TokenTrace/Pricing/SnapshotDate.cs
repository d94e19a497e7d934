using System.Globalization;

namespace TokenTrace;

/// <summary>
/// The date a snapshot suffix names (<c>-20240513</c>, <c>-2024-05-13</c>, <c>@20240513</c>, <c>-2407</c> for July 2024,
/// <c>-04-2024</c>), as the range of days it may mean; <see cref="Known"/> is false for suffixes such as OpenAI's
/// <c>-0613</c>, which give a month and day but no year.
/// </summary>
/// <param name="Text">The suffix as written, without its separator.</param>
/// <param name="First">The first day the suffix may mean.</param>
/// <param name="Last">The last day the suffix may mean.</param>
internal readonly record struct SnapshotDate(string Text, DateOnly First, DateOnly Last)
{
    /// <summary>Whether the suffix names a date at all (a month-and-day suffix has no year).</summary>
    public bool Known => First != DateOnly.MinValue;

    /// <summary>Whether an entry whose first version took effect on <paramref name="from"/> existed on the snapshot's date.</summary>
    public bool CoveredBy(DateOnly? from) => Known && from is { } day && Last >= day;

    /// <summary>The date as people write it: <c>2024-05-13</c>, <c>2024-07</c>, or the suffix itself when its year is unknown.</summary>
    public override string ToString() =>
        !Known ? Text
        : First == Last ? First.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
        : First.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>Reads a stripped suffix (with its leading <c>-</c> or <c>@</c>); null when it is not a date (<c>-v1:0</c>, <c>-latest</c>).</summary>
    public static SnapshotDate? Parse(string suffix)
    {
        var text = suffix.TrimStart('-', '@');
        var digits = text.Replace("-", "", StringComparison.Ordinal);
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var parts = text.Split('-');
        return (parts.Length, text.Length) switch
        {
            (1, 8) => Day(text, int.Parse(text[..4], CultureInfo.InvariantCulture), Two(text, 4), Two(text, 6)),
            (3, 10) when parts[0].Length == 4 => Day(text, int.Parse(parts[0], CultureInfo.InvariantCulture), Two(parts[1], 0), Two(parts[2], 0)),
            (2, 7) when parts[1].Length == 4 => Month(text, int.Parse(parts[1], CultureInfo.InvariantCulture), Two(parts[0], 0)),
            // Four digits are YYMM (Mistral's 2407) when they start with a plausible year, else MMDD (OpenAI's 0613, xAI's 0709),
            // whose year nobody can tell: a month never exceeds 12, so the two readings cannot be confused.
            (1, 4) when Two(text, 0) >= 20 => Month(text, 2000 + Two(text, 0), Two(text, 2)),
            (1, 4) => new SnapshotDate(text, DateOnly.MinValue, DateOnly.MinValue),
            _ => null,
        };
    }

    private static int Two(string text, int at) => ((text[at] - '0') * 10) + (text[at + 1] - '0');

    private static SnapshotDate Day(string text, int year, int month, int day) =>
        year is >= 2000 and <= 2099 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new SnapshotDate(text, new DateOnly(year, month, day), new DateOnly(year, month, day))
            : new SnapshotDate(text, DateOnly.MinValue, DateOnly.MinValue);

    private static SnapshotDate Month(string text, int year, int month) =>
        year is >= 2000 and <= 2099 && month is >= 1 and <= 12
            ? new SnapshotDate(text, new DateOnly(year, month, 1), new DateOnly(year, month, DateTime.DaysInMonth(year, month)))
            : new SnapshotDate(text, DateOnly.MinValue, DateOnly.MinValue);
}
