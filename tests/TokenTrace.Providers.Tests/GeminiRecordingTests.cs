using System.Globalization;
using System.Text.Json;
using CsCheck;

namespace TokenTrace.Providers.Tests;

public sealed class GeminiRecordingTests
{
    [Fact]
    public async Task Usage_metadata_is_recorded_with_thoughts_added_to_output_and_the_cached_part_taken_out_of_input()
    {
        await using var tracking = new SqliteTracking();
        const string usage = """
            {"promptTokenCount":1000,"cachedContentTokenCount":400,"candidatesTokenCount":200,"thoughtsTokenCount":300,"toolUsePromptTokenCount":50,"totalTokenCount":1550}
            """;

        await tracking.Tracker.RecordGeminiAsync("gemini-2.5-flash", usage, new Attribution { Project = "atlas" });

        var record = await tracking.SingleRecordAsync();
        // input: 1000 prompt − 400 cached + 50 tool-use prompt = 650; output: 200 candidates + 300 thoughts (outside candidates) = 500.
        Assert.Equal(650, record.Tokens.Input);
        Assert.Equal(400, record.Tokens.CacheRead);
        Assert.Equal(500, record.Tokens.Output);
        Assert.Equal(300, record.Tokens.Reasoning);
        Assert.Equal("gemini", record.Provider);
        Assert.Equal("atlas", record.Attribution.Project);
        // gemini-2.5-flash (from 2025-06-17): $0.30 input, $0.03 cache read, $2.50 output per million:
        // 650×0.3 + 400×0.03 + 500×2.5 = 195 + 12 + 1250 = 1457 µ$.
        Assert.Equal(0.001457m, record.CostUsd);
    }

    [Fact]
    public async Task A_whole_response_in_snake_case_is_read_through_its_usage_metadata()
    {
        await using var tracking = new SqliteTracking();
        using var response = JsonDocument.Parse("""
            {"candidates":[],"usage_metadata":{"prompt_token_count":10,"candidates_token_count":4,"total_token_count":14},"model_version":"gemini-2.5-flash"}
            """);

        await tracking.Tracker.RecordGeminiAsync("gemini-2.5-flash", response.RootElement);

        var record = await tracking.SingleRecordAsync();
        Assert.Equal(new TokenCounts { Input = 10, Output = 4 }, record.Tokens);
    }

    [Theory]
    [InlineData("""{"promptTokenCount":10,"candidatesTokenCount":5,"thoughtsTokenCount":3,"totalTokenCount":15}""", "usageMetadata.totalTokenCount")]
    [InlineData("""{"promptTokenCount":10,"cachedContentTokenCount":11,"candidatesTokenCount":5}""", "usageMetadata.cachedContentTokenCount")]
    [InlineData("""{"promptTokenCount":-1,"candidatesTokenCount":5}""", "usageMetadata.promptTokenCount")]
    [InlineData("""{"promptTokenCount":"10","candidatesTokenCount":5}""", "usageMetadata.promptTokenCount")]
    [InlineData("""{"promptTokenCount":10.5,"candidatesTokenCount":5}""", "usageMetadata.promptTokenCount")]
    [InlineData("""[1,2]""", "usageMetadata")]
    [InlineData("""{"promptTokenCount":10,""", "usage")]
    public async Task Malformed_usage_is_refused_naming_the_field_and_nothing_is_recorded(string json, string field)
    {
        await using var tracking = new SqliteTracking();

        var error = await Assert.ThrowsAsync<UsageFormatException>(async () => await tracking.Tracker.RecordGeminiAsync("gemini-2.5-flash", json));

        Assert.Equal(field, error.Field);
        Assert.Empty(await tracking.RecordsAsync());
    }

    [Fact]
    public async Task Any_non_negative_counts_are_conserved_and_any_broken_total_is_refused()
    {
        await using var tracking = new SqliteTracking();
        // Up to 250 M each, so that every bucket stays under the per-record limit of 10⁹ (docs/methodology/limits.md).
        var count = Gen.Long[0, 250_000_000];
        Gen.Select(count, count, count, count, Gen.Double[0, 1], Gen.Int[0, 2], Gen.Long[1, 1000]).Sample((prompt, candidates, thoughts, toolUse, cachedShare, totalKind, offBy) =>
        {
            var cached = (long)(prompt * cachedShare);
            var sum = prompt + toolUse + candidates + thoughts;
            var total = totalKind switch { 0 => "", 1 => $",\"totalTokenCount\":{sum}", _ => $",\"totalTokenCount\":{sum + offBy}" };
            var json = string.Create(CultureInfo.InvariantCulture,
                $"{{\"promptTokenCount\":{prompt},\"cachedContentTokenCount\":{cached},\"candidatesTokenCount\":{candidates},\"thoughtsTokenCount\":{thoughts},\"toolUsePromptTokenCount\":{toolUse}{total}}}");

            if (totalKind == 2)
            {
                var error = Assert.Throws<UsageFormatException>(() => tracking.Tracker.RecordGeminiAsync("gemini-2.5-flash", json).AsTask().GetAwaiter().GetResult());
                Assert.Equal("usageMetadata.totalTokenCount", error.Field);
                return;
            }

            var tokens = tracking.Tracker.RecordGeminiAsync("gemini-2.5-flash", json).AsTask().GetAwaiter().GetResult().Tokens;
            Assert.Equal(cached, tokens.CacheRead);
            Assert.Equal(prompt - cached + toolUse, tokens.Input);
            Assert.Equal(candidates + thoughts, tokens.Output);
            Assert.Equal(thoughts, tokens.Reasoning);
            Assert.Equal(sum, tokens.Input + tokens.CacheRead + tokens.Output);
        }, iter: 300);
    }

    [Fact]
    public async Task Counts_too_large_to_add_up_are_refused_never_recorded_as_a_wrapped_number()
    {
        await using var tracking = new SqliteTracking();

        // Ordinary counts and counts near long.MaxValue, mixed: the sums are checked in 128-bit arithmetic, which cannot wrap.
        var count = Gen.OneOf(Gen.Long[0, 1_000_000], Gen.Long[long.MaxValue / 4, long.MaxValue]);
        int accepted = 0, refused = 0;
        Gen.Select(count, count, count, count).Sample((prompt, candidates, thoughts, toolUse) =>
        {
            var json = string.Create(CultureInfo.InvariantCulture,
                $"{{\"promptTokenCount\":{prompt},\"candidatesTokenCount\":{candidates},\"thoughtsTokenCount\":{thoughts},\"toolUsePromptTokenCount\":{toolUse}}}");
            UsageRecord record;
            try
            {
                record = tracking.Tracker.RecordGeminiAsync("gemini-2.5-flash", json).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is UsageFormatException or ArgumentException)
            {
                // A clear refusal is right only when a count is out of the ordinary range (an overflow or a per-record limit).
                Assert.True(Math.Max(Math.Max(prompt, candidates), Math.Max(thoughts, toolUse)) > 1_000_000, $"refused ordinary counts: {json}");
                Interlocked.Increment(ref refused);
                return;
            }

            Assert.Equal((Int128)prompt + toolUse, (Int128)record.Tokens.Input);
            Assert.Equal((Int128)candidates + thoughts, (Int128)record.Tokens.Output);
            Interlocked.Increment(ref accepted);
        }, iter: 300);

        // Both sides were exercised: a generator that only produced refusals would prove nothing.
        Assert.True(accepted > 0 && refused > 0, $"accepted {accepted}, refused {refused}");
    }
}
