namespace TokenTrace.Providers.OpenAI;

/// <summary>Builds the record a helper hands to the tracker, whose pipeline attributes, prices and estimates it.</summary>
internal static class ProviderRecord
{
    /// <summary>The status of a call that returned a response (the same word the chat middleware writes).</summary>
    public const string Ok = "ok";

    /// <summary>
    /// <paramref name="tokens"/> null means the response carried no usage: zero counts and the same
    /// <c>tokentrace.usage=unreported</c> tag the chat middleware puts on such calls, so they read as "not reported".
    /// </summary>
    public static UsageRecord Create(TokenTracker tracker, string provider, string model, TokenCounts? tokens, string? serviceTier, string status, Attribution? attribution)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        attribution ??= Attribution.None;
        if (tokens is null)
        {
            attribution = new Attribution { Tags = new Dictionary<string, string>(StringComparer.Ordinal) { ["tokentrace.usage"] = "unreported" } }.WithFallback(attribution);
        }

        return new UsageRecord
        {
            Id = UsageRecord.NewId(),
            Timestamp = tracker.Time.GetUtcNow(),
            Provider = provider,
            Model = model,
            Tokens = tokens ?? TokenCounts.Zero,
            ServiceTier = serviceTier,
            Attribution = attribution,
            Source = UsageSources.Sdk,
            Status = status,
        };
    }

    /// <summary>The informational counts that are above zero.</summary>
    public static IReadOnlyDictionary<string, long> Extras(params ReadOnlySpan<(string Key, long Value)> counts)
    {
        Dictionary<string, long>? extra = null;
        foreach (var (key, value) in counts)
        {
            if (value > 0)
            {
                (extra ??= new Dictionary<string, long>(StringComparer.Ordinal))[key] = value;
            }
        }

        return extra ?? TokenCounts.Zero.Extra;
    }
}
