using CsCheck;

namespace TokenTrace.Tests;

/// <summary>CsCheck generators of usage records whose text fields hold everything that breaks naive formats.</summary>
public static class RecordGenerators
{
    private static readonly string[] Fragments =
        ["a", "Z", "9", "=", "+", "-", "@", ",", "\"", "\n", "\r\n", "'", "é", "日本", "😀", " ", "\t", "{", "}", "\\", ";", "|"];

    public static readonly Gen<string> Text =
        Gen.Int[0, Fragments.Length - 1].Array[0, 8].Select(ix => string.Concat(ix.Select(i => Fragments[i])));

    public static readonly Gen<string?> OptionalText = Gen.Frequency((1, Gen.Const<string?>((string?)null)), (3, Text.Select(s => (string?)s)));

    public static readonly Gen<string> NonEmptyText = Text.Select(s => "m" + s);

    private static readonly Gen<long> Count = Gen.Frequency((2, Gen.Long[0, 5_000]), (1, Gen.Long[0, UsageLimits.MaxTokensPerBucket]), (1, Gen.Const(UsageLimits.MaxTokensPerBucket)));

    private static readonly Gen<TokenCounts> Tokens =
        from input in Count
        from cacheRead in Count
        from cacheWrite in Count
        from cacheWrite1h in Count
        from output in Count
        from reasoningShare in Gen.Int[0, 100]
        from extra in Gen.Bool
        select new TokenCounts
        {
            Input = input,
            CacheRead = cacheRead,
            CacheWrite = cacheWrite,
            CacheWrite1h = cacheWrite1h,
            Output = output,
            Reasoning = output * reasoningShare / 100,
            Extra = extra ? new Dictionary<string, long> { ["web_search_requests"] = input % 7, ["audio \"in\""] = 3 } : TokenCounts.EmptyExtra,
        };

    private static readonly Gen<Attribution> Attributions =
        from project in OptionalText
        from job in OptionalText
        from task in OptionalText
        from agent in OptionalText
        from session in OptionalText
        from user in OptionalText
        from tagKey in NonEmptyText
        from tagValue in Text
        from hasTag in Gen.Bool
        select new Attribution
        {
            Project = project,
            Job = job,
            Task = task,
            Agent = agent,
            Session = session,
            User = user,
            Tags = hasTag ? new Dictionary<string, string> { [tagKey] = tagValue, ["team"] = "=cmd|' /C calc'!A0" } : Attribution.EmptyTags,
        };

    private static readonly Gen<decimal?> Cost = Gen.Frequency(
        (1, Gen.Const<decimal?>((decimal?)null)),
        (4, Gen.Long[0, 5_000_000_000_000].Select(pico => (decimal?)(pico / 1_000_000_000_000m))));

    private static readonly Gen<ImpactEstimate?> Impact = Gen.Frequency(
        (1, Gen.Const<ImpactEstimate?>((ImpactEstimate?)null)),
        (1, Gen.Double[0, 50].Select(wh => (ImpactEstimate?)new ImpactEstimate(new EstimateRange(wh / 3, wh, wh * 3), new EstimateRange(wh / 10, wh / 2, wh)))));

    public static readonly Gen<UsageRecord> Record =
        from id in NonEmptyText
        from ticks in Gen.Long[new DateTime(2024, 1, 1).Ticks, new DateTime(2027, 1, 1).Ticks]
        from model in NonEmptyText
        from provider in OptionalText
        from tokens in Tokens
        from attribution in Attributions
        from cost in Cost
        from impact in Impact
        from status in OptionalText
        from operation in Gen.OneOf<string>(UsageOperations.Chat, "embeddings", "image", "responses")
        from source in Gen.OneOf<string>(UsageSources.Sdk, "cli", "claude-code", "otlp")
        select new UsageRecord
        {
            Id = id,
            Timestamp = new DateTimeOffset(ticks, TimeSpan.Zero),
            Model = model,
            Provider = provider,
            Operation = operation,
            Tokens = tokens,
            Attribution = attribution,
            CostUsd = cost,
            Price = cost is null ? null : new PriceReference("entry,\"x\"", new DateOnly(2025, 9, 29), "builtin@2026-11-01"),
            Impact = impact,
            Region = provider,
            ServiceTier = status,
            LatencyMs = impact?.EnergyWh.Central,
            Status = status,
            Source = source,
        };

    /// <summary>Records with distinct ids.</summary>
    public static readonly Gen<UsageRecord[]> Batch =
        Record.Array[1, 25].Select(records => records.Select((r, i) => r with { Id = $"{i}:{r.Id}" }).ToArray());
}
