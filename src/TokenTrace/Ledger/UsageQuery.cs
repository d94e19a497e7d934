namespace TokenTrace;

/// <summary>
/// Which records to read: a time range (<see cref="Since"/> inclusive, <see cref="Until"/> exclusive) and exact
/// matches on any attribution field, model, provider, source or tag. Null fields match everything.
/// </summary>
public sealed record UsageQuery
{
    /// <summary>Every record.</summary>
    public static UsageQuery All { get; } = new();

    /// <summary>First instant included.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>First instant excluded.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Exact model name.</summary>
    public string? Model { get; init; }

    /// <summary>Exact provider.</summary>
    public string? Provider { get; init; }

    /// <summary>Exact project.</summary>
    public string? Project { get; init; }

    /// <summary>Exact job.</summary>
    public string? Job { get; init; }

    /// <summary>Exact task.</summary>
    public string? Task { get; init; }

    /// <summary>Exact agent.</summary>
    public string? Agent { get; init; }

    /// <summary>Exact session.</summary>
    public string? Session { get; init; }

    /// <summary>Exact user.</summary>
    public string? User { get; init; }

    /// <summary>Exact source.</summary>
    public string? Source { get; init; }

    /// <summary>Tags that must all be present with these values.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = Attribution.EmptyTags;

    /// <summary>Whether <paramref name="record"/> matches.</summary>
    public bool Matches(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var a = record.Attribution;
        if ((Since is { } since && record.Timestamp < since) || (Until is { } until && record.Timestamp >= until))
        {
            return false;
        }

        if (!Same(Model, record.Model) || !Same(Provider, record.Provider) || !Same(Source, record.Source)
            || !Same(Project, a.Project) || !Same(Job, a.Job) || !Same(Task, a.Task) || !Same(Agent, a.Agent)
            || !Same(Session, a.Session) || !Same(User, a.User))
        {
            return false;
        }

        foreach (var (key, value) in Tags)
        {
            if (!a.Tags.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;

        static bool Same(string? wanted, string? actual) => wanted is null || wanted == actual;
    }
}
