namespace TokenTrace.Hosting;

/// <summary>Rates (USD per million tokens) that apply when a prompt is larger than <see cref="Above"/> tokens.</summary>
public sealed class LongContextOverride : PerMillionRates
{
    /// <summary>The prompt size, in tokens, above which these rates apply.</summary>
    public long Above { get; set; }
}
