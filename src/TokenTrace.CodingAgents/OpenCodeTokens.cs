using System.Text.Json;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Maps an OpenCode message's <c>tokens</c> (<c>{total?, input, output, reasoning, cache: {read, write}}</c>) into the
/// disjoint buckets.
/// </summary>
/// <remarks>
/// OpenCode computes these itself from the AI SDK's usage (<c>Session.getUsage</c>): <c>input</c> has the cache reads
/// and writes taken out, which is already the bucket. Reasoning moved: older versions kept it inside <c>output</c> (the
/// SDK's convention), current ones subtract it (<c>output = outputTokens − reasoningTokens</c>). <c>total</c> is the SDK's
/// <c>totalTokens</c>, which counts reasoning once either way, so it tells them apart; reasoning larger than the output cannot be
/// inside it; otherwise (no total, or one that matches neither) the older convention is assumed.
/// </remarks>
internal static class OpenCodeTokens
{
    private const string Path = "tokens";

    /// <exception cref="UsageFormatException">A count is not a whole number of at least 0, or the counts overflow.</exception>
    public static TokenCounts Normalize(JsonElement tokens)
    {
        var input = AgentJson.Count(tokens, Path, "input");
        var output = AgentJson.Count(tokens, Path, "output");
        var reasoning = AgentJson.Count(tokens, Path, "reasoning");
        long cacheRead = 0, cacheWrite = 0;
        if (tokens.TryGetProperty("cache", out var cache) && cache.ValueKind == JsonValueKind.Object)
        {
            cacheRead = AgentJson.Count(cache, Path + ".cache", "read");
            cacheWrite = AgentJson.Count(cache, Path + ".cache", "write");
        }

        try
        {
            checked
            {
                var prompt = input + cacheRead + cacheWrite;
                var reasoningOutside = reasoning > output
                    || (reasoning > 0 && tokens.TryGetProperty("total", out var total) && total.ValueKind == JsonValueKind.Number
                        && total.TryGetInt64(out var stated) && stated == prompt + output + reasoning);
                return new TokenCounts
                {
                    Input = input,
                    CacheRead = cacheRead,
                    CacheWrite = cacheWrite,
                    Output = reasoningOutside ? output + reasoning : output,
                    Reasoning = reasoning,
                };
            }
        }
        catch (OverflowException)
        {
            throw new UsageFormatException(Path, "the counts add up to more than a 64-bit number holds");
        }
    }
}
