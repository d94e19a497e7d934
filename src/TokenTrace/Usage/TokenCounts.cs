namespace TokenTrace;

/// <summary>
/// The tokens of one model call, split into disjoint billable buckets so that every token is priced exactly once.
/// </summary>
/// <remarks>
/// <see cref="Total"/> is <c>Input + CacheRead + CacheWrite + CacheWrite1h + Output</c>.
/// <see cref="Reasoning"/> is an informational subset of <see cref="Output"/>, never added to the total.
/// </remarks>
public sealed record TokenCounts
{
    // Declared first: static initializers run in order, and None/Zero below use it.
    internal static readonly IReadOnlyDictionary<string, long> EmptyExtra =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, long>(new Dictionary<string, long>());

    /// <summary>An empty count.</summary>
    public static TokenCounts Zero { get; } = new();

    /// <summary>Input tokens that were neither read from nor written to a prompt cache.</summary>
    public long Input { get; init; }

    /// <summary>Input tokens served from a prompt cache.</summary>
    public long CacheRead { get; init; }

    /// <summary>Input tokens written to a prompt cache with the default (5-minute) lifetime.</summary>
    public long CacheWrite { get; init; }

    /// <summary>Input tokens written to a prompt cache with a 1-hour lifetime.</summary>
    public long CacheWrite1h { get; init; }

    /// <summary>All output tokens, reasoning included.</summary>
    public long Output { get; init; }

    /// <summary>The part of <see cref="Output"/> spent on hidden reasoning.</summary>
    public long Reasoning { get; init; }

    /// <summary>
    /// Named extra counts that are not token buckets, such as <c>web_search_requests</c>, <c>image_output</c>,
    /// <c>audio_input</c> or <c>tool_use_prompt</c>. Priced only when the model's price names a per-unit rate for the key.
    /// </summary>
    public IReadOnlyDictionary<string, long> Extra { get; init; } = EmptyExtra;

    /// <summary>All input tokens: uncached, cache reads and cache writes.</summary>
    public long Prompt => checked(Input + CacheRead + CacheWrite + CacheWrite1h);

    /// <summary>All tokens of the call.</summary>
    public long Total => checked(Prompt + Output);

    /// <summary>Adds two counts bucket by bucket, extras by key.</summary>
    public TokenCounts Add(TokenCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        IReadOnlyDictionary<string, long> extra = Extra;
        if (other.Extra.Count > 0)
        {
            var merged = new Dictionary<string, long>(Extra, StringComparer.Ordinal);
            foreach (var (key, value) in other.Extra)
            {
                merged[key] = checked(merged.GetValueOrDefault(key) + value);
            }

            extra = merged;
        }

        // Checked: counts within UsageLimits cannot overflow a long; anything else fails loudly instead of wrapping.
        checked
        {
            return new TokenCounts
            {
            Input = Input + other.Input,
            CacheRead = CacheRead + other.CacheRead,
            CacheWrite = CacheWrite + other.CacheWrite,
            CacheWrite1h = CacheWrite1h + other.CacheWrite1h,
            Output = Output + other.Output,
            Reasoning = Reasoning + other.Reasoning,
            Extra = extra,
            };
        }
    }

    /// <inheritdoc/>
    public bool Equals(TokenCounts? other) =>
        other is not null
        && Input == other.Input && CacheRead == other.CacheRead && CacheWrite == other.CacheWrite
        && CacheWrite1h == other.CacheWrite1h && Output == other.Output && Reasoning == other.Reasoning
        && DictionaryEquality.Equal(Extra, other.Extra);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Input, CacheRead, CacheWrite, CacheWrite1h, Output, Reasoning, Extra.Count);
}
