using System.Globalization;

namespace TokenTrace;

/// <summary>
/// A dimension to group usage by: an attribution field, model, provider, source, region, a tag (<c>tag:KEY</c>) or a time
/// bucket (<c>hour</c>, <c>day</c>, <c>week</c> starting Monday, <c>month</c>) in the report's time zone. <c>device</c> is
/// the <c>device.name</c> tag a TokenTrace server stamps on every record a machine pushes.
/// </summary>
public sealed record SummaryDimension
{
    private static readonly string[] Fields = ["model", "provider", "project", "job", "task", "agent", "session", "user", "source", "region", "device", "hour", "day", "week", "month"];

    /// <summary>The tag the server stamps with the sending machine's name (see <c>tokentrace push</c>).</summary>
    private const string DeviceNameTag = "device.name";

    private SummaryDimension(string name, string? tagKey)
    {
        Name = name;
        TagKey = tagKey;
    }

    /// <summary>The dimension's name as written on the command line (<c>model</c>, <c>tag:team</c>).</summary>
    public string Name { get; }

    /// <summary>The tag key, for a tag dimension.</summary>
    public string? TagKey { get; }

    /// <summary>Whether this is a time bucket.</summary>
    public bool IsTime => Name is "hour" or "day" or "week" or "month";

    /// <summary>Group by model.</summary>
    public static SummaryDimension Model { get; } = new("model", null);

    /// <summary>Group by day.</summary>
    public static SummaryDimension Day { get; } = new("day", null);

    /// <summary>The names accepted by <see cref="Parse"/> (plus <c>tag:KEY</c>).</summary>
    public static IReadOnlyList<string> Names => Fields;

    /// <summary>Parses a dimension name.</summary>
    /// <exception cref="FormatException">The name is not a known dimension.</exception>
    public static SummaryDimension Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim();
        if (trimmed.StartsWith("tag:", StringComparison.OrdinalIgnoreCase) && trimmed.Length > 4)
        {
            return new SummaryDimension(trimmed, trimmed[4..]);
        }

        var lower = trimmed.ToLowerInvariant();
        if (lower == "device")
        {
            // A tag dimension under a short name: every ledger groups it as it groups tag:device.name, keyed "device".
            return new SummaryDimension(lower, DeviceNameTag);
        }

        return Array.IndexOf(Fields, lower) >= 0
            ? new SummaryDimension(lower, null)
            : throw new FormatException($"unknown dimension '{name}'; expected one of {string.Join(", ", Fields)} or tag:KEY");
    }

    /// <summary>The value of this dimension for <paramref name="record"/>.</summary>
    public string? ValueOf(UsageRecord record, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(record);
        var a = record.Attribution;
        return Name switch
        {
            "model" => record.Model,
            "provider" => record.Provider,
            "project" => a.Project,
            "job" => a.Job,
            "task" => a.Task,
            "agent" => a.Agent,
            "session" => a.Session,
            "user" => a.User,
            "source" => record.Source,
            "region" => record.Region,
            _ when IsTime => TimeKey(record.Timestamp, timeZone),
            _ => a.Tags.GetValueOrDefault(TagKey!),
        };
    }

    /// <summary>The bucket of <paramref name="instant"/> for a time dimension, as sortable text.</summary>
    public string TimeKey(DateTimeOffset instant, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var local = TimeZoneInfo.ConvertTime(instant, timeZone).DateTime;
        return Name switch
        {
            "hour" => local.ToString("yyyy-MM-dd'T'HH':00'", CultureInfo.InvariantCulture),
            "day" => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "week" => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "month" => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"{Name} is not a time dimension"),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
