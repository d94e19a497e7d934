using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>
/// Refuses a filter value that matches nothing anywhere in the ledger (<c>--job nightyl</c>, <c>by-job unknown</c>): a
/// typo would otherwise print zeros, which read as "nothing was spent". A value that has records outside the asked
/// period is fine; an empty answer is right then.
/// </summary>
internal static class FilterValueCheck
{
    private const int MaxNamesListed = 8;

    /// <summary>Throws <see cref="CliInputException"/> (exit 2) naming the first filter value with no record at all, and the closest known values.</summary>
    /// <param name="ledger">The ledger to look in.</param>
    /// <param name="filters">The filters as given; its time window is ignored.</param>
    /// <param name="label">How the value was given, when it is not its option (<c>by-job</c> for its argument).</param>
    /// <param name="cancellationToken">Stops the look-up.</param>
    public static async Task ThrowIfUnknownAsync(IUsageLedger ledger, UsageQuery filters, string? label, CancellationToken cancellationToken)
    {
        foreach (var (name, value, only) in Given(filters))
        {
            // Counting with one filter uses the store's summary path and its indexes; only a miss lists the names.
            var matching = await ledger.SummarizeAsync(only, [], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
            if (matching.Total.Records > 0)
            {
                continue;
            }

            var dimension = SummaryDimension.Parse(name);
            var all = await ledger.SummarizeAsync(UsageQuery.All, [dimension], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
            var known = all.Rows.Select(r => r.Key.TryGetValue(dimension.Name, out var v) ? v : null).OfType<string>().ToList();
            var option = label ?? (dimension.TagKey is null ? "--" + name : "--tag");
            throw new CliInputException($"{option}: no records for {name} '{value}' in {ledger.Spec} ({Suggest(value, known, name)})");
        }
    }

    private static IEnumerable<(string Name, string Value, UsageQuery Only)> Given(UsageQuery q)
    {
        if (q.Model is { } model) yield return ("model", model, new UsageQuery { Model = model });
        if (q.Provider is { } provider) yield return ("provider", provider, new UsageQuery { Provider = provider });
        if (q.Project is { } project) yield return ("project", project, new UsageQuery { Project = project });
        if (q.Job is { } job) yield return ("job", job, new UsageQuery { Job = job });
        if (q.Task is { } task) yield return ("task", task, new UsageQuery { Task = task });
        if (q.Agent is { } agent) yield return ("agent", agent, new UsageQuery { Agent = agent });
        if (q.Session is { } session) yield return ("session", session, new UsageQuery { Session = session });
        if (q.User is { } user) yield return ("user", user, new UsageQuery { User = user });
        if (q.Source is { } source) yield return ("source", source, new UsageQuery { Source = source });
        foreach (var (key, value) in q.Tags)
        {
            yield return ("tag:" + key, value, new UsageQuery { Tags = new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value } });
        }
    }

    /// <summary>The closest known values (a few edits away, or containing one another), else the list when it is short.</summary>
    private static string Suggest(string value, List<string> known, string name)
    {
        if (known.Count == 0)
        {
            return $"no record has a value for {name}";
        }

        var close = known
            .Select(k => (Name: k, Distance: Distance(value.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(k => k.Distance <= Math.Max(2, value.Length / 3) || k.Name.Contains(value, StringComparison.OrdinalIgnoreCase) || value.Contains(k.Name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(k => k.Distance).ThenBy(k => k.Name, StringComparer.Ordinal)
            .Take(MaxNamesListed).Select(k => k.Name).ToList();
        if (close.Count > 0)
        {
            return "closest: " + string.Join(", ", close);
        }

        return known.Count <= MaxNamesListed
            ? "known: " + string.Join(", ", known.Order(StringComparer.Ordinal))
            : string.Create(CultureInfo.InvariantCulture, $"{known.Count} values known; see `tokentrace summary --by {name}`");
    }

    /// <summary>Levenshtein distance, two rows at a time.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
