using Anthropic.Models.Messages;

namespace TokenTrace.Providers.Anthropic;

/// <summary>
/// Records calls made with the Anthropic .NET SDK straight from the <see cref="Message"/> it returns, for apps that do
/// not use Microsoft.Extensions.AI: <c>await tracker.RecordAsync(message)</c>.
/// </summary>
/// <remarks>
/// Anthropic's <c>input_tokens</c> excludes cache reads and cache writes; writes are split into 5-minute and 1-hour
/// lifetimes, priced apart. The counts are mapped into TokenTrace's buckets by <see cref="AnthropicUsageNormalizer"/>,
/// and server-side web searches and fetches become per-request extras.
/// </remarks>
public static class AnthropicTokenTrackerExtensions
{
    /// <summary>The provider name the records carry.</summary>
    public const string Provider = "anthropic";

    /// <summary>Records one Messages API call.</summary>
    /// <param name="tracker">The tracker.</param>
    /// <param name="message">What <c>client.Messages.Create</c> returned.</param>
    /// <param name="attribution">Who the call is for; merged with <see cref="UsageScope"/> and the defaults by the tracker.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <returns>The record as queued, priced.</returns>
    /// <exception cref="UsageFormatException">The usage is inconsistent (a negative count, a 5-minute/1-hour split above the cache writes).</exception>
    public static ValueTask<UsageRecord> RecordAsync(this TokenTracker tracker, Message message, Attribution? attribution = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return tracker.RecordAsync(message.Model.Raw(), message.Usage, attribution, cancellationToken);
    }

    /// <summary>Records one Messages API call from its model and usage.</summary>
    /// <param name="tracker">The tracker.</param>
    /// <param name="model">The model that answered (<c>message.model</c>).</param>
    /// <param name="usage">The call's usage.</param>
    /// <param name="attribution">Who the call is for.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <returns>The record as queued, priced.</returns>
    /// <exception cref="UsageFormatException">The usage is inconsistent.</exception>
    public static ValueTask<UsageRecord> RecordAsync(this TokenTracker tracker, string model, Usage usage, Attribution? attribution = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(usage);
        var split = usage.CacheCreation is { } creation ? (creation.Ephemeral5mInputTokens, creation.Ephemeral1hInputTokens) : ((long, long)?)null;
        var tools = usage.ServerToolUse;
        var tokens = AnthropicUsageNormalizer.Normalize(usage.InputTokens, usage.CacheReadInputTokens ?? 0, usage.CacheCreationInputTokens, split, usage.OutputTokens,
            tools?.WebSearchRequests ?? 0, tools?.WebFetchRequests ?? 0);
        return tracker.RecordAsync(new UsageRecord
        {
            Id = UsageRecord.NewId(),
            Timestamp = tracker.Time.GetUtcNow(),
            Provider = Provider,
            Model = model,
            Tokens = tokens,
            ServiceTier = usage.ServiceTier?.Raw(),
            Attribution = attribution ?? Attribution.None,
            Source = UsageSources.Sdk,

            // The same word the chat middleware writes for a call that returned.
            Status = "ok",
        }, cancellationToken);
    }
}
