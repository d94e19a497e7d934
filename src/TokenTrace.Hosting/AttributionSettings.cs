namespace TokenTrace.Hosting;

/// <summary>
/// Default attribution in configuration: a settable mirror of <see cref="Attribution"/>, whose init-only properties
/// the configuration binder's generated code cannot set.
/// </summary>
public sealed class AttributionSettings
{
    /// <summary>The project.</summary>
    public string? Project { get; set; }

    /// <summary>The job.</summary>
    public string? Job { get; set; }

    /// <summary>The task.</summary>
    public string? Task { get; set; }

    /// <summary>The agent.</summary>
    public string? Agent { get; set; }

    /// <summary>The session.</summary>
    public string? Session { get; set; }

    /// <summary>The user.</summary>
    public string? User { get; set; }

    /// <summary>Free tags.</summary>
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The attribution these settings describe.</summary>
    public Attribution ToAttribution() => new()
    {
        Project = Project,
        Job = Job,
        Task = Task,
        Agent = Agent,
        Session = Session,
        User = User,
        Tags = new Dictionary<string, string>(Tags, StringComparer.Ordinal),
    };
}
