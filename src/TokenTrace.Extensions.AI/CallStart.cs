using Microsoft.Extensions.AI;

namespace TokenTrace.Extensions.AI;

/// <summary>What the middleware knows when a call starts: kept until the call ends so the record describes the call as made.</summary>
internal readonly record struct CallStart(
    TokenTracker Tracker,
    string Operation,
    string? Id,
    DateTimeOffset Timestamp,
    long StartTicks,
    string? Provider,
    string RequestedModel,
    Attribution Attribution)
{
    /// <summary>The model name recorded when neither the response, the options nor the client's metadata name one.</summary>
    public const string UnknownModel = "unknown";

    /// <summary>
    /// Captures the start of a call. Attribution is resolved here, on the caller's context, because a stream may be read
    /// (and recorded) elsewhere: the per-call properties win, then the ambient <see cref="UsageScope"/>.
    /// </summary>
    public static CallStart Begin(TokenTracker tracker, string operation, AdditionalPropertiesDictionary? properties, string? provider, string? requestedModel)
    {
        var time = tracker.Time;
        var attribution = UsageScope.Current;
        string? id = null;
        if (properties is { Count: > 0 })
        {
            attribution = Overrides(properties, out id).WithFallback(attribution);
        }

        return new CallStart(tracker, operation, id, time.GetUtcNow(), time.GetTimestamp(), provider, requestedModel ?? UnknownModel, attribution);
    }

    /// <summary>Whether <paramref name="properties"/> holds any <c>tokentrace.</c> key, which must not reach the provider.</summary>
    public static bool HasOwnProperties(AdditionalPropertiesDictionary? properties)
    {
        if (properties is { Count: > 0 })
        {
            foreach (var key in properties.Keys)
            {
                if (IsOwn(key))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Removes the <c>tokentrace.</c> keys from a copy of the caller's properties: some adapters send additional
    /// properties to the provider as request fields, and attribution is neither the provider's business nor valid there.
    /// </summary>
    public static void RemoveOwnProperties(AdditionalPropertiesDictionary copy)
    {
        foreach (var key in copy.Keys.Where(IsOwn).ToList())
        {
            copy.Remove(key);
        }
    }

    private static bool IsOwn(string key) => key.StartsWith("tokentrace.", StringComparison.Ordinal);

    /// <summary>The same call, its latency counted from now: after the budget check, so the record times the model call.</summary>
    public CallStart AfterBudgetCheck() => this with { StartTicks = Tracker.Time.GetTimestamp() };

    /// <summary>The wall time since the call started.</summary>
    public double ElapsedMilliseconds => Tracker.Time.GetElapsedTime(StartTicks).TotalMilliseconds;

    private static Attribution Overrides(AdditionalPropertiesDictionary properties, out string? id)
    {
        id = Text(properties, TokenTraceProperties.RecordId);
        var whole = properties.TryGetValue(TokenTraceProperties.Attribution, out var value) && value is Attribution given ? given : Attribution.None;
        var fields = new Attribution
        {
            Project = Text(properties, TokenTraceProperties.Project),
            Job = Text(properties, TokenTraceProperties.Job),
            Task = Text(properties, TokenTraceProperties.Task),
            Agent = Text(properties, TokenTraceProperties.Agent),
            Session = Text(properties, TokenTraceProperties.Session),
            User = Text(properties, TokenTraceProperties.User),
        };
        return fields.WithFallback(whole);
    }

    private static string? Text(AdditionalPropertiesDictionary properties, string key) =>
        properties.TryGetValue(key, out var value) && value is string text && !string.IsNullOrWhiteSpace(text) ? text : null;
}
