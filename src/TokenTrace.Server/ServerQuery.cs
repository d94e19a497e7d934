using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace TokenTrace.Server;

/// <summary>
/// Reads a read API's query string the way the command line reads its options: <c>by</c> (comma-separated or repeated),
/// <c>since</c>/<c>until</c> (a day <c>YYYY-MM-DD</c> in <c>tz</c>, <c>until</c> included, or an ISO 8601 instant), the
/// filters (<c>model</c>, <c>provider</c>, <c>project</c>, <c>job</c>, <c>task</c>, <c>agent</c>, <c>session</c>,
/// <c>user</c>, <c>source</c>, <c>tag=K=V</c>) and <c>tz</c> (an IANA id; UTC by default).
/// </summary>
internal static class ServerQuery
{
    public static (UsageQuery Query, List<SummaryDimension> By, TimeZoneInfo TimeZone) Read(IQueryCollection values)
    {
        var timeZone = TimeZoneOf(values["tz"].ToString());
        var by = new List<SummaryDimension>();
        foreach (var name in values["by"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var dimension = SummaryDimension.Parse(name);
            if (!by.Contains(dimension))
            {
                by.Add(dimension);
            }
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in values["tag"])
        {
            var pair = (tag ?? "").Split('=', 2);
            if (pair.Length != 2 || pair[0].Length == 0)
            {
                throw new FormatException($"tag: '{tag}' is not KEY=VALUE");
            }

            tags[pair[0]] = pair[1];
        }

        string? Text(string name) => values[name].ToString() is { Length: > 0 } value ? value : null;
        var since = Time(Text("since"), "since", timeZone, endOfDay: false);
        var until = Time(Text("until"), "until", timeZone, endOfDay: true);
        if (since is { } s && until is { } u && u <= s)
        {
            throw new FormatException("until is not after since");
        }

        var query = new UsageQuery
        {
            Since = since,
            Until = until,
            Model = Text("model"),
            Provider = Text("provider"),
            Project = Text("project"),
            Job = Text("job"),
            Task = Text("task"),
            Agent = Text("agent"),
            Session = Text("session"),
            User = Text("user"),
            Source = Text("source"),
            Tags = tags,
        };
        return (query, by, timeZone);
    }

    private static TimeZoneInfo TimeZoneOf(string id)
    {
        if (id.Length == 0 || id.Equals("utc", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"tz: unknown time zone '{id}'; use an IANA id such as Europe/Paris or UTC");
        }
    }

    private static DateTimeOffset? Time(string? text, string name, TimeZoneInfo timeZone, bool endOfDay)
    {
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            try
            {
                var local = (endOfDay ? day.AddDays(1) : day).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
                return new DateTimeOffset(local, timeZone.GetUtcOffset(local)).ToUniversalTime();
            }
            catch (ArgumentOutOfRangeException)
            {
                // The day after 9999-12-31, or 0001-01-01 in a zone ahead of UTC, is before or after any instant .NET holds.
                throw new FormatException($"{name}: '{text}' in {timeZone.Id} is outside the range of dates the server handles (0001-01-02 to 9999-12-30)");
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.ToUniversalTime()
            : throw new FormatException($"{name}: '{text}' is not a day (YYYY-MM-DD) or an ISO 8601 instant");
    }
}
