using System.Text;
using System.Text.Json;
using CsCheck;
using TokenTrace.CodingAgents;

namespace TokenTrace.CodingAgents.Tests;

/// <summary>
/// The transcript reader reads a line's usage straight from its bytes; the shared normalizer over a parsed document is
/// the reference every other way in uses. Both must give the same counts, or the same refusal, for any usage object.
/// </summary>
public sealed class ClaudeLineUsageTests
{
    private static readonly string[] Fields =
        ["input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens", "service_tier"];

    private static readonly Gen<string> Count = Gen.OneOf(
        Gen.Long[0, 5_000_000].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("0"), Gen.Const("null"), Gen.Const("-3"), Gen.Const("1.5"), Gen.Const("\"12\""), Gen.Const("1e3"),
        Gen.Const("9223372036854775807"), Gen.Const("[]"), Gen.Const("{}"));

    private static readonly Gen<string> Pair = Gen.OneOf(
        Gen.Select(Count, Count, Gen.Bool, (a, b, both) => both
            ? $"{{\"ephemeral_5m_input_tokens\":{a},\"ephemeral_1h_input_tokens\":{b}}}"
            : $"{{\"ephemeral_1h_input_tokens\":{b},\"other\":[1,{{\"x\":2}}]}}"),
        Gen.Const("null"), Gen.Const("[]"), Gen.Const("\"x\""),
        Gen.Select(Count, a => $"{{\"ephemeral_5m_input_tokens\":{a},\"ephemeral_5m_input_tokens\":7}}"));

    private static readonly Gen<string> Tools = Gen.OneOf(
        Gen.Select(Count, Count, (a, b) => $"{{\"web_search_requests\":{a},\"web_fetch_requests\":{b}}}"), Gen.Const("null"));

    /// <summary>A usage object: some counted fields (a few repeated), maybe the cache split and server tools, in any order.</summary>
    private static readonly Gen<string> Usage = Gen.Select(
        Gen.Select(Gen.Int[0, Fields.Length - 1], Count, (i, c) => $"\"{Fields[i]}\":{(Fields[i] == "service_tier" ? "\"standard\"" : c)}").Array[0, 7],
        Gen.Bool, Pair, Gen.Bool, Tools,
        (counts, withSplit, split, withTools, tools) =>
        {
            var members = counts.ToList();
            if (withSplit)
            {
                members.Insert(members.Count / 2, $"\"cache_creation\":{split}");
            }

            if (withTools)
            {
                members.Add($"\"server_tool_use\":{tools}");
            }

            return "{" + string.Join(',', members) + "}";
        });

    [Fact]
    public void Usage_read_from_the_line_equals_the_normalizer_over_the_document()
    {
        Usage.Sample(usage =>
        {
            var line = $"{{\"sessionId\":\"s\",\"message\":{{\"id\":\"m\",\"model\":\"claude-sonnet-4-5\",\"content\":[{{\"type\":\"text\",\"text\":\"hi\"}}],\"usage\":{usage}}},\"timestamp\":\"2026-11-02T10:00:00Z\"}}";
            var expected = Outcome(() => AnthropicUsageNormalizer.Normalize(JsonDocument.Parse(usage).RootElement));
            var actual = Outcome(() => ClaudeLine.Parse(Encoding.UTF8.GetBytes(line), new RepeatedStrings(ClaudeLine.RepeatedFields)).Usage!);
            Assert.True(expected == actual, $"{usage}: normalizer {expected}, line reader {actual}");
        }, iter: 3_000);
    }

    [Fact]
    public void Repeated_strings_are_shared_between_lines_and_ids_that_change_are_read_anew()
    {
        var strings = new RepeatedStrings(ClaudeLine.RepeatedFields);
        var first = ClaudeLine.Parse("{\"sessionId\":\"s-1\",\"cwd\":\"/w\",\"requestId\":\"r1\",\"message\":{\"id\":\"m1\",\"model\":\"claude-opus-4-1\"}}"u8, strings);
        var second = ClaudeLine.Parse("{\"sessionId\":\"s-1\",\"cwd\":\"/w\",\"requestId\":\"r2\",\"message\":{\"id\":\"m\\u0032\",\"model\":\"claude-opus-4-1\"}}"u8, strings);
        Assert.Same(first.SessionId, second.SessionId);
        Assert.Same(first.Model, second.Model);
        Assert.Equal(("r1", "m1"), (first.RequestId, first.MessageId));
        Assert.Equal(("r2", "m2"), (second.RequestId, second.MessageId)); // an escaped value is decoded, never taken from the cache
    }

    /// <summary>The counts, or the field a refusal names (an <see cref="UsageFormatException"/>).</summary>
    private static string Outcome(Func<TokenCounts> normalize)
    {
        try
        {
            var t = normalize();
            return $"in {t.Input} read {t.CacheRead} w5 {t.CacheWrite} w1h {t.CacheWrite1h} out {t.Output} extra {string.Join(';', t.Extra.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"))}";
        }
        catch (UsageFormatException ex)
        {
            return "refused " + ex.Field;
        }
    }
}
