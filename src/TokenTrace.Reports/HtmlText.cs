using System.Globalization;
using System.Net;

namespace TokenTrace.Reports;

/// <summary>Text pieces shared by the HTML report's sections.</summary>
internal static class HtmlText
{
    /// <summary>Text made safe for HTML content and attributes.</summary>
    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A whole count with thousands separators.</summary>
    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A label cut to fit a chart row.</summary>
    public static string Clip(string text) => text.Length <= 32 ? text : text[..31] + "…";

    /// <summary>
    /// The local days a range covers, inclusive: a range ending at midnight ends the day before, so a report
    /// "to 2026-11-23" includes the 23rd and nothing of the 24th.
    /// </summary>
    public static string Days(DateTimeOffset? since, DateTimeOffset? until, TimeZoneInfo timeZone)
    {
        string Day(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, timeZone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return (since, until) switch
        {
            ({ } s, { } u) => Day(s) + " to " + Day(u.AddTicks(-1)),
            ({ } s, null) => "since " + Day(s),
            (null, { } u) => "until " + Day(u.AddTicks(-1)),
            _ => "all usage",
        };
    }
}
