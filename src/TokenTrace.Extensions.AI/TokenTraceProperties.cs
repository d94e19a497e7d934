namespace TokenTrace.Extensions.AI;

/// <summary>
/// Keys of <c>ChatOptions.AdditionalProperties</c> (and <c>EmbeddingGenerationOptions.AdditionalProperties</c>) that
/// override attribution for one call. They win over the ambient <see cref="UsageScope"/>, which wins over the defaults.
/// The middleware passes the inner client a copy of the options without any <c>tokentrace.</c> key (some adapters send
/// additional properties to the provider); the caller's options are not changed.
/// </summary>
/// <example>
/// <code>
/// var options = new ChatOptions { AdditionalProperties = new() { [TokenTraceProperties.Task] = "summarize" } };
/// </code>
/// </example>
public static class TokenTraceProperties
{
    /// <summary>A whole <see cref="TokenTrace.Attribution"/>; the single-field keys below win over its fields.</summary>
    public const string Attribution = "tokentrace.attribution";

    /// <summary>The project (a string).</summary>
    public const string Project = "tokentrace.project";

    /// <summary>The job (a string).</summary>
    public const string Job = "tokentrace.job";

    /// <summary>The task (a string).</summary>
    public const string Task = "tokentrace.task";

    /// <summary>The agent (a string).</summary>
    public const string Agent = "tokentrace.agent";

    /// <summary>The session (a string).</summary>
    public const string Session = "tokentrace.session";

    /// <summary>The user (a string).</summary>
    public const string User = "tokentrace.user";

    /// <summary>
    /// The record's id (a string), for a caller that retries a call and wants it counted once. Without it each call gets
    /// a new UUIDv7.
    /// </summary>
    public const string RecordId = "tokentrace.id";
}
