namespace TokenTrace;

/// <summary>
/// A budget's scope written as <c>KEY=VALUE</c> pairs: <c>project</c>, <c>job</c>, <c>task</c>, <c>agent</c>,
/// <c>session</c>, <c>user</c>, <c>model</c>, <c>provider</c>, <c>source</c> or <c>tag:KEY</c>. No pairs means everything.
/// </summary>
public static class BudgetScope
{
    /// <summary>Parses pairs into a query.</summary>
    /// <exception cref="FormatException">A pair is malformed or names an unknown field.</exception>
    public static UsageQuery Parse(IEnumerable<string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var query = UsageQuery.All;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"scope '{pair}': expected KEY=VALUE");
            }

            var (key, value) = (pair[..equals].Trim(), pair[(equals + 1)..]);
            query = key.ToLowerInvariant() switch
            {
                "project" => query with { Project = value },
                "job" => query with { Job = value },
                "task" => query with { Task = value },
                "agent" => query with { Agent = value },
                "session" => query with { Session = value },
                "user" => query with { User = value },
                "model" => query with { Model = value },
                "provider" => query with { Provider = value },
                "source" => query with { Source = value },
                _ when key.StartsWith("tag:", StringComparison.OrdinalIgnoreCase) && key.Length > 4 => query,
                _ => throw new FormatException($"scope '{pair}': unknown field '{key}'; expected project, job, task, agent, session, user, model, provider, source or tag:KEY"),
            };
            if (key.StartsWith("tag:", StringComparison.OrdinalIgnoreCase))
            {
                tags[key[4..]] = value;
            }
        }

        return tags.Count == 0 ? query : query with { Tags = tags };
    }

    /// <summary>The scope as pairs, the inverse of <see cref="Parse"/>.</summary>
    public static IEnumerable<(string Key, string Value)> Describe(UsageQuery scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        (string, string?)[] fields =
        [
            ("project", scope.Project), ("job", scope.Job), ("task", scope.Task), ("agent", scope.Agent), ("session", scope.Session),
            ("user", scope.User), ("model", scope.Model), ("provider", scope.Provider), ("source", scope.Source),
        ];
        foreach (var (key, value) in fields)
        {
            if (value is not null)
            {
                yield return (key, value);
            }
        }

        foreach (var (key, value) in scope.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            yield return ("tag:" + key, value);
        }
    }

    /// <summary>The scope as one line (<c>everything</c>, or <c>project=docs, tag:team=a</c>).</summary>
    public static string ToText(UsageQuery scope)
    {
        var pairs = Describe(scope).Select(p => $"{p.Key}={p.Value}").ToList();
        return pairs.Count == 0 ? "everything" : string.Join(", ", pairs);
    }
}
