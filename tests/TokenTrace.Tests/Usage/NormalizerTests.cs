using System.Text.Json;

namespace TokenTrace.Tests;

public sealed class NormalizerTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void Anthropic_usage_maps_cache_reads_and_5m_1h_writes_into_disjoint_buckets()
    {
        var usage = Json("""
            {"input_tokens":2095,"cache_creation_input_tokens":2051,"cache_read_input_tokens":4000,"output_tokens":503,
             "cache_creation":{"ephemeral_5m_input_tokens":1951,"ephemeral_1h_input_tokens":100},
             "server_tool_use":{"web_search_requests":2},"service_tier":"standard"}
            """);
        var tokens = AnthropicUsageNormalizer.Normalize(usage);
        Assert.Equal(new TokenCounts
        {
            Input = 2095, CacheRead = 4000, CacheWrite = 1951, CacheWrite1h = 100, Output = 503,
            Extra = new Dictionary<string, long> { [ExtraCounts.WebSearchRequests] = 2 },
        }, tokens);
        Assert.Equal(2095 + 4000 + 2051 + 503, tokens.Total);
    }

    [Fact]
    public void Anthropic_usage_without_a_split_counts_writes_as_5_minute()
    {
        var tokens = AnthropicUsageNormalizer.Normalize(Json("""{"input_tokens":10,"cache_creation_input_tokens":25,"cache_read_input_tokens":5,"output_tokens":7}"""));
        Assert.Equal(25, tokens.CacheWrite);
        Assert.Equal(0, tokens.CacheWrite1h);
    }

    [Fact]
    public void Anthropic_stream_keeps_input_from_message_start_and_output_from_the_last_delta()
    {
        var tokens = AnthropicUsageNormalizer.NormalizeStream(
        [
            Json("""{"input_tokens":500,"cache_read_input_tokens":100,"output_tokens":1}"""),
            Json("""{"output_tokens":40}"""),
            Json("""{"output_tokens":120}"""),
        ]);
        Assert.Equal(new TokenCounts { Input = 500, CacheRead = 100, Output = 120 }, tokens);
    }

    [Fact]
    public void OpenAI_chat_completions_usage_splits_cached_tokens_out_of_the_prompt()
    {
        var tokens = OpenAIUsageNormalizer.Normalize(Json("""
            {"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
             "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
             "completion_tokens_details":{"reasoning_tokens":128,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}
            """));
        Assert.Equal(new TokenCounts { Input = 176, CacheRead = 1024, Output = 300, Reasoning = 128 }, tokens);
        Assert.Equal(1500, tokens.Total);
    }

    [Fact]
    public void OpenAI_responses_usage_is_read_the_same_way()
    {
        var tokens = OpenAIUsageNormalizer.Normalize(Json("""
            {"input_tokens":328,"input_tokens_details":{"cached_tokens":128},"output_tokens":52,"output_tokens_details":{"reasoning_tokens":20},"total_tokens":380}
            """));
        Assert.Equal(new TokenCounts { Input = 200, CacheRead = 128, Output = 52, Reasoning = 20 }, tokens);
    }

    [Fact]
    public void Gemini_usage_adds_thoughts_to_output_and_tool_use_prompt_to_input()
    {
        var tokens = GeminiUsageNormalizer.Normalize(Json("""
            {"promptTokenCount":1000,"candidatesTokenCount":200,"totalTokenCount":1400,"cachedContentTokenCount":600,
             "thoughtsTokenCount":150,"toolUsePromptTokenCount":50,"promptTokensDetails":[{"modality":"TEXT","tokenCount":1000}]}
            """));
        Assert.Equal(new TokenCounts
        {
            Input = 450, CacheRead = 600, Output = 350, Reasoning = 150,
            Extra = new Dictionary<string, long> { [ExtraCounts.ToolUsePrompt] = 50 },
        }, tokens);
        Assert.Equal(1400, tokens.Total);
    }

    [Fact]
    public void Gemini_snake_case_and_cumulative_streams_take_the_last_chunk()
    {
        var tokens = GeminiUsageNormalizer.NormalizeStream(
        [
            Json("""{"prompt_token_count":100,"candidates_token_count":5}"""),
            Json("""{"prompt_token_count":100,"candidates_token_count":40,"thoughts_token_count":10}"""),
        ]);
        Assert.Equal(new TokenCounts { Input = 100, Output = 50, Reasoning = 10 }, tokens);
    }

    [Theory]
    [InlineData("""{"prompt_tokens":10,"prompt_tokens_details":{"cached_tokens":20}}""", "cached_tokens")]
    [InlineData("""{"prompt_tokens":-1}""", "prompt_tokens")]
    [InlineData("""{"prompt_tokens":"ten"}""", "prompt_tokens")]
    [InlineData("""{"prompt_tokens":1.5}""", "prompt_tokens")]
    public void Malformed_usage_names_the_field(string json, string field)
    {
        var error = Assert.Throws<UsageFormatException>(() => OpenAIUsageNormalizer.Normalize(Json(json)));
        Assert.Contains(field, error.Field, StringComparison.Ordinal);
    }
}
