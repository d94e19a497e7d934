namespace TokenTrace;

/// <summary>
/// One model call (or one imported agent message): what was used, by whom, what it cost and what it emitted.
/// Immutable; the ledger stores it as it is and never changes its token counts.
/// </summary>
public sealed record UsageRecord
{
    /// <summary>
    /// Stable identity. Recording or importing the same id twice never counts twice. Callers pass a provider
    /// request id when they have one; <see cref="NewId"/> makes a UUIDv7 otherwise.
    /// </summary>
    public required string Id { get; init; }

    /// <summary>The UTC instant of the call.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The provider as reported (<c>anthropic</c>, <c>openai</c>, <c>bedrock</c>…), when known.</summary>
    public string? Provider { get; init; }

    /// <summary>The model as reported (<c>claude-sonnet-4-5-20250929</c>).</summary>
    public required string Model { get; init; }

    /// <summary>The kind of call: <c>chat</c>, <c>embeddings</c>, <c>image</c>…</summary>
    public string Operation { get; init; } = UsageOperations.Chat;

    /// <summary>The tokens, in disjoint billable buckets.</summary>
    public TokenCounts Tokens { get; init; } = TokenCounts.Zero;

    /// <summary>Who and what spent them.</summary>
    public Attribution Attribution { get; init; } = Attribution.None;

    /// <summary>
    /// The service tier the call ran on (<c>batch</c>, <c>flex</c>, <c>priority</c>), or null for the standard tier.
    /// </summary>
    public string? ServiceTier { get; init; }

    /// <summary>The cost in US dollars, or null when no price is known for the model (never a silent zero).</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>The catalogue entry <see cref="CostUsd"/> was computed from.</summary>
    public PriceReference? Price { get; init; }

    /// <summary>Estimated energy and emissions, when an estimator ran.</summary>
    public ImpactEstimate? Impact { get; init; }

    /// <summary>The data-centre region the call ran in (or was assumed to), when known.</summary>
    public string? Region { get; init; }

    /// <summary>How the record came in: <c>sdk</c>, <c>cli</c>, <c>claude-code</c>, <c>codex</c>…</summary>
    public string Source { get; init; } = UsageSources.Sdk;

    /// <summary>Wall time of the call in milliseconds, when known.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Outcome of the call (<c>ok</c>, <c>error</c>, <c>cancelled</c>), when known.</summary>
    public string? Status { get; init; }

    /// <summary>Makes a new time-ordered identity (UUIDv7).</summary>
    public static string NewId() => Guid.CreateVersion7().ToString("D");
}
