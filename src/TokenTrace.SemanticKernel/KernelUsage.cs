using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace TokenTrace.SemanticKernel;

/// <summary>
/// Reads the usage Semantic Kernel reports, in the shapes it comes in: the OpenAI (and Azure OpenAI) connectors'
/// <see cref="ChatTokenUsage"/> under the <c>"Usage"</c> metadata key; an <see cref="IChatClient"/>'s
/// <see cref="UsageDetails"/> or <see cref="UsageContent"/> under that key, or on the <see cref="ChatResponse"/> a
/// prompt function returns.
/// </summary>
internal static class KernelUsage
{
    /// <summary>The metadata key both connectors and SK's chat-client bridge use.</summary>
    public const string Key = "Usage";

    /// <summary>The provider a <see cref="ChatTokenUsage"/> implies when none is configured: the OpenAI wire format.</summary>
    public const string OpenAIProvider = "openai";

    /// <summary>The usage in <paramref name="metadata"/>, as <see cref="UsageDetails"/> (null when there is none).</summary>
    /// <param name="metadata">A function result's or a content's metadata.</param>
    /// <param name="isOpenAIShape">Whether it was the OpenAI connector's <see cref="ChatTokenUsage"/>.</param>
    public static UsageDetails? FromMetadata(IReadOnlyDictionary<string, object?>? metadata, out bool isOpenAIShape)
    {
        isOpenAIShape = false;
        if (metadata is null || !metadata.TryGetValue(Key, out var value))
        {
            return null;
        }

        return FromValue(value, out isOpenAIShape);
    }

    /// <summary>Any of the usage shapes as <see cref="UsageDetails"/>; null for anything else.</summary>
    public static UsageDetails? FromValue(object? value, out bool isOpenAIShape)
    {
        isOpenAIShape = value is ChatTokenUsage;
        return value switch
        {
            ChatTokenUsage openAI => FromOpenAI(openAI),
            UsageDetails details => details,
            UsageContent content => content.Details,
            _ => null,
        };
    }

    /// <summary>
    /// The OpenAI SDK's counts in M.E.AI's terms, which follow the same conventions (input includes cached input,
    /// output includes reasoning), so one normalizer prices both shapes alike. Audio tokens stay inside input and output.
    /// </summary>
    public static UsageDetails FromOpenAI(ChatTokenUsage usage) => new()
    {
        InputTokenCount = usage.InputTokenCount,
        OutputTokenCount = usage.OutputTokenCount,
        TotalTokenCount = usage.TotalTokenCount,
        CachedInputTokenCount = usage.InputTokenDetails?.CachedTokenCount,
        ReasoningTokenCount = usage.OutputTokenDetails?.ReasoningTokenCount,
    };
}
