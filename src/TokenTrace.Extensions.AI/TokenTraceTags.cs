namespace TokenTrace.Extensions.AI;

/// <summary>
/// The tag the middleware puts on a record whose call reported no usable usage, so that its zero token counts read as
/// "not reported", never as "nothing used". Query them with <c>UsageQuery.Tags</c> or <c>tokentrace summary --by tag:tokentrace.usage</c>.
/// </summary>
public static class TokenTraceTags
{
    /// <summary>The tag's key.</summary>
    public const string Usage = "tokentrace.usage";

    /// <summary>The call reported no usage (the provider or adapter sent none, or the call failed before it did).</summary>
    public const string Unreported = "unreported";

    /// <summary>The call reported usage the normalizer refused (a negative count, parts larger than the whole); it is logged.</summary>
    public const string Invalid = "invalid";
}
