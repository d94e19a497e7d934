using System.Diagnostics.CodeAnalysis;
using OpenAI.Chat;
using OpenAI.Responses;

namespace TokenTrace.Providers.OpenAI;

/// <summary>
/// Records calls made with the OpenAI .NET SDK straight from what it returns, for apps that do not use
/// Microsoft.Extensions.AI: <c>await tracker.RecordAsync(completion)</c>.
/// </summary>
/// <remarks>
/// OpenAI's input count includes the cached tokens and its output count includes the reasoning tokens; the counts
/// are mapped into TokenTrace's disjoint buckets by <see cref="OpenAIUsageNormalizer"/>. A response that carries no
/// usage (a stream read without <c>include_usage</c>) is recorded with zero counts and the tag
/// <c>tokentrace.usage=unreported</c>, never as a call that used nothing.
/// </remarks>
public static class OpenAITokenTrackerExtensions
{
    /// <summary>The provider name the records carry.</summary>
    public const string Provider = "openai";

    /// <summary>Records one Chat Completions call.</summary>
    /// <param name="tracker">The tracker.</param>
    /// <param name="completion">What <c>ChatClient.CompleteChatAsync</c> returned.</param>
    /// <param name="attribution">Who the call is for; merged with <see cref="UsageScope"/> and the defaults by the tracker.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <returns>The record as queued, priced.</returns>
    /// <exception cref="UsageFormatException">The usage is inconsistent (cached above input, reasoning above output).</exception>
    public static ValueTask<UsageRecord> RecordAsync(this TokenTracker tracker, ChatCompletion completion, Attribution? attribution = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
#pragma warning disable OPENAI001 // The tier decides the rates (flex, priority); if the SDK renames it, this build says so.
        var serviceTier = completion.ServiceTier?.ToString();
#pragma warning restore OPENAI001
        return tracker.RecordChatAsync(completion.Model, completion.Usage, serviceTier, attribution, cancellationToken);
    }

    /// <summary>
    /// Records one Chat Completions call from its usage: for a stream, the <see cref="StreamingChatCompletionUpdate.Usage"/>
    /// and <see cref="StreamingChatCompletionUpdate.Model"/> of its last update (sent when <c>include_usage</c> is on, as the SDK asks by default).
    /// </summary>
    /// <param name="tracker">The tracker.</param>
    /// <param name="model">The model that answered.</param>
    /// <param name="usage">The call's usage; null when the call reported none.</param>
    /// <param name="attribution">Who the call is for.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <returns>The record as queued, priced.</returns>
    /// <exception cref="UsageFormatException">The usage is inconsistent.</exception>
    public static ValueTask<UsageRecord> RecordAsync(this TokenTracker tracker, string model, ChatTokenUsage? usage, Attribution? attribution = null, CancellationToken cancellationToken = default) =>
        tracker.RecordChatAsync(model, usage, serviceTier: null, attribution, cancellationToken);

    /// <summary>
    /// Records one Responses API call: what <c>ResponsesClient.CreateResponseAsync</c> returned, or, for a stream, the
    /// <see cref="StreamingResponseCompletedUpdate.Response"/> of its last update.
    /// </summary>
    /// <param name="tracker">The tracker.</param>
    /// <param name="response">The response.</param>
    /// <param name="attribution">Who the call is for.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue.</param>
    /// <returns>The record as queued, priced.</returns>
    /// <exception cref="UsageFormatException">The usage is inconsistent.</exception>
    /// <remarks>Experimental as the SDK's Responses API is (<c>OPENAI001</c>): a caller of the Responses API already opted in.</remarks>
    [Experimental("OPENAI001")]
    public static ValueTask<UsageRecord> RecordAsync(this TokenTracker tracker, ResponseResult response, Attribution? attribution = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(response);
        var usage = response.Usage;
        TokenCounts? tokens = usage is null ? null : OpenAIUsageNormalizer.Normalize(
            usage.InputTokenCount, usage.InputTokenDetails?.CachedTokenCount ?? 0, usage.OutputTokenCount, usage.OutputTokenDetails?.ReasoningTokenCount ?? 0,
            "usage.input_tokens_details.cached_tokens", "usage.output_tokens_details.reasoning_tokens");
        // The words the chat middleware writes, so `--by status` reads the same across both ways in.
        var status = response.Status switch
        {
            null or ResponseStatus.Completed => ProviderRecord.Ok,
            ResponseStatus.Failed => "error",
            ResponseStatus.Cancelled => "cancelled",
            ResponseStatus.Incomplete => "incomplete",
            ResponseStatus.InProgress => "in_progress",
            ResponseStatus.Queued => "queued",
            _ => "unknown",
        };
        return tracker.RecordAsync(ProviderRecord.Create(tracker, Provider, response.Model, tokens, response.ServiceTier?.ToString(), status, attribution), cancellationToken);
    }

    private static ValueTask<UsageRecord> RecordChatAsync(this TokenTracker tracker, string model, ChatTokenUsage? usage, string? serviceTier, Attribution? attribution, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        TokenCounts? tokens = null;
        if (usage is not null)
        {
            var input = usage.InputTokenDetails;
            var output = usage.OutputTokenDetails;
            tokens = OpenAIUsageNormalizer.Normalize(usage.InputTokenCount, input?.CachedTokenCount ?? 0, usage.OutputTokenCount, output?.ReasoningTokenCount ?? 0,
                "usage.prompt_tokens_details.cached_tokens", "usage.completion_tokens_details.reasoning_tokens") with
            {
                Extra = ProviderRecord.Extras((ExtraCounts.AudioInput, input?.AudioTokenCount ?? 0), (ExtraCounts.AudioOutput, output?.AudioTokenCount ?? 0)),
            };
        }

        return tracker.RecordAsync(ProviderRecord.Create(tracker, Provider, model, tokens, serviceTier, ProviderRecord.Ok, attribution), cancellationToken);
    }
}
