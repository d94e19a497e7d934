using CsCheck;
using Microsoft.Extensions.AI;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class UsageDetailsNormalizerTests
{
    [Fact]
    public void OpenAI_style_details_split_cached_tokens_out_of_input_and_keep_reasoning_inside_output()
    {
        var usage = new UsageDetails { InputTokenCount = 1200, CachedInputTokenCount = 1024, OutputTokenCount = 300, ReasoningTokenCount = 128, TotalTokenCount = 1500 };
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, UsageDetailsNormalizer.Normalize(usage));
    }

    [Fact]
    public void Anthropic_adapter_cache_writes_folded_into_input_become_their_own_bucket()
    {
        var usage = new UsageDetails
        {
            InputTokenCount = 100 + 4000 + 2051, // uncached + cache reads + cache writes, as the adapter folds them
            CachedInputTokenCount = 4000,
            OutputTokenCount = 503,
            AdditionalCounts = new() { [UsageDetailsNormalizer.CacheCreationInputTokens] = 2051 },
        };
        var tokens = UsageDetailsNormalizer.Normalize(usage, "anthropic");
        Assert.Equal(new TokenCounts { Input = 100, CacheRead = 4000, CacheWrite = 2051, Output = 503 }, tokens);
    }

    [Fact]
    public void Cache_writes_reported_beside_input_are_recognised_from_the_total()
    {
        var usage = new UsageDetails
        {
            InputTokenCount = 100, OutputTokenCount = 10, TotalTokenCount = 100 + 50 + 10,
            AdditionalCounts = new() { [UsageDetailsNormalizer.CacheCreationInputTokens] = 50 },
        };
        Assert.Equal(new TokenCounts { Input = 100, CacheWrite = 50, Output = 10 }, UsageDetailsNormalizer.Normalize(usage));
    }

    [Fact]
    public void Google_adapter_reasoning_outside_output_is_added_to_output()
    {
        var withTotal = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 200, ReasoningTokenCount = 150, TotalTokenCount = 1350 };
        Assert.Equal(new TokenCounts { Input = 1000, Output = 350, Reasoning = 150 }, UsageDetailsNormalizer.Normalize(withTotal));
        var byProvider = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 200, ReasoningTokenCount = 150 };
        Assert.Equal(350, UsageDetailsNormalizer.Normalize(byProvider, "google").Output);
        Assert.Equal(200, UsageDetailsNormalizer.Normalize(byProvider, "openai").Output);
    }

    [Fact]
    public void Streaming_deltas_are_summed_per_the_contract()
    {
        var tokens = UsageDetailsNormalizer.NormalizeStream(
        [
            new UsageDetails { InputTokenCount = 500, CachedInputTokenCount = 100 },
            new UsageDetails { OutputTokenCount = 40 },
            new UsageDetails { OutputTokenCount = 60, ReasoningTokenCount = 20 },
        ]);
        Assert.Equal(new TokenCounts { Input = 400, CacheRead = 100, Output = 100, Reasoning = 20 }, tokens);
    }

    [Fact]
    public void Inconsistent_details_name_the_field()
    {
        var error = Assert.Throws<UsageFormatException>(() => UsageDetailsNormalizer.Normalize(new UsageDetails { InputTokenCount = 10, CachedInputTokenCount = 20 }));
        Assert.Equal(nameof(UsageDetails.InputTokenCount), error.Field);
        Assert.Throws<UsageFormatException>(() => UsageDetailsNormalizer.Normalize(new UsageDetails { OutputTokenCount = -1 }));
    }

    [Fact]
    public void The_total_of_the_buckets_equals_every_token_the_provider_counted()
    {
        Gen.Select(Gen.Long[0, 100_000], Gen.Long[0, 100_000], Gen.Long[0, 100_000], Gen.Long[0, 100_000], Gen.Int[0, 100]).Sample((uncached, cached, writes, output, share) =>
        {
            var reasoning = output * share / 100;
            var usage = new UsageDetails
            {
                InputTokenCount = uncached + cached + writes,
                CachedInputTokenCount = cached,
                OutputTokenCount = output,
                ReasoningTokenCount = reasoning,
                AdditionalCounts = new() { [UsageDetailsNormalizer.CacheCreationInputTokens] = writes },
            };
            var tokens = UsageDetailsNormalizer.Normalize(usage);
            Assert.Equal(uncached + cached + writes + output, tokens.Total);
            Assert.Equal(uncached, tokens.Input);
        });
    }
}
