namespace TokenTrace;

/// <summary>Who and what spent the tokens of a call. Every field is optional.</summary>
public sealed record Attribution
{
    // Declared first: static initializers run in order, and None/Zero below use it.
    internal static readonly IReadOnlyDictionary<string, string> EmptyTags =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    /// <summary>No attribution.</summary>
    public static Attribution None { get; } = new();

    /// <summary>The project (product, repository, cost centre).</summary>
    public string? Project { get; init; }

    /// <summary>A job: one run of a pipeline, a batch, a request handled end to end.</summary>
    public string? Job { get; init; }

    /// <summary>A task within a job.</summary>
    public string? Task { get; init; }

    /// <summary>The agent that made the call.</summary>
    public string? Agent { get; init; }

    /// <summary>The conversation or coding-agent session.</summary>
    public string? Session { get; init; }

    /// <summary>The person or service account.</summary>
    public string? User { get; init; }

    /// <summary>Free key/value tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = EmptyTags;

    /// <summary>
    /// Fills every field this attribution leaves empty from <paramref name="fallback"/>; tags are merged, this one's winning.
    /// </summary>
    public Attribution WithFallback(Attribution fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (ReferenceEquals(fallback, None) || ReferenceEquals(this, fallback))
        {
            return this;
        }

        var tags = Tags;
        if (fallback.Tags.Count > 0)
        {
            var merged = new Dictionary<string, string>(fallback.Tags, StringComparer.Ordinal);
            foreach (var (key, value) in Tags)
            {
                merged[key] = value;
            }

            tags = merged;
        }

        return new Attribution
        {
            Project = Project ?? fallback.Project,
            Job = Job ?? fallback.Job,
            Task = Task ?? fallback.Task,
            Agent = Agent ?? fallback.Agent,
            Session = Session ?? fallback.Session,
            User = User ?? fallback.User,
            Tags = tags,
        };
    }

    /// <inheritdoc/>
    public bool Equals(Attribution? other) =>
        other is not null
        && Project == other.Project && Job == other.Job && Task == other.Task && Agent == other.Agent
        && Session == other.Session && User == other.User && DictionaryEquality.Equal(Tags, other.Tags);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Project, Job, Task, Agent, Session, User, Tags.Count);
}
