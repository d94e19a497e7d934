using CsCheck;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using TokenTrace.Extensions.AI;

namespace TokenTrace.SemanticKernel.Tests;

public sealed class KernelUsageTests
{
    [Fact]
    public void Both_usage_shapes_normalize_to_the_same_disjoint_buckets()
    {
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[0, 100], Gen.Int[0, 1_000_000], Gen.Int[0, 100]).Sample((prompt, cachedShare, completion, reasoningShare) =>
        {
            var cached = (int)((long)prompt * cachedShare / 100);
            var reasoning = (int)((long)completion * reasoningShare / 100);
            var openAI = OpenAIChatModelFactory.ChatTokenUsage(
                outputTokenCount: completion,
                inputTokenCount: prompt,
                totalTokenCount: prompt + completion,
                outputTokenDetails: OpenAIChatModelFactory.ChatOutputTokenUsageDetails(reasoningTokenCount: reasoning),
                inputTokenDetails: OpenAIChatModelFactory.ChatInputTokenUsageDetails(cachedTokenCount: cached));
            var meai = new UsageDetails
            {
                InputTokenCount = prompt, OutputTokenCount = completion, TotalTokenCount = prompt + completion,
                CachedInputTokenCount = cached, ReasoningTokenCount = reasoning,
            };

            var fromOpenAI = UsageDetailsNormalizer.Normalize(KernelUsage.FromValue(openAI, out var isOpenAI)!, "openai");
            var fromDetails = UsageDetailsNormalizer.Normalize(KernelUsage.FromValue(meai, out _)!, "openai");
            var fromContent = UsageDetailsNormalizer.Normalize(KernelUsage.FromValue(new UsageContent(meai), out _)!, "openai");

            Assert.True(isOpenAI);
            Assert.Equal(fromDetails, fromOpenAI);
            Assert.Equal(fromDetails, fromContent);
            // OpenAI's prompt includes its cached part, its completion includes reasoning: the buckets split them.
            Assert.Equal(prompt - cached, fromOpenAI.Input);
            Assert.Equal(cached, fromOpenAI.CacheRead);
            Assert.Equal(completion, fromOpenAI.Output);
            Assert.Equal(reasoning, fromOpenAI.Reasoning);
        });
    }

    [Fact]
    public void Anything_else_under_the_usage_key_is_no_usage()
    {
        Assert.Null(KernelUsage.FromMetadata(new Dictionary<string, object?> { ["Usage"] = "1200 tokens" }, out _));
        Assert.Null(KernelUsage.FromMetadata(new Dictionary<string, object?> { ["Usage"] = null }, out _));
        Assert.Null(KernelUsage.FromMetadata(null, out _));
    }
}
