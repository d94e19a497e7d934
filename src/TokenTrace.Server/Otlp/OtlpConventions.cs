namespace TokenTrace.Server.Otlp;

/// <summary>
/// The attribute names the OTLP ingest reads: the OpenTelemetry GenAI semantic conventions, the resource conventions,
/// and the <c>tokentrace.*</c> attributes TokenTrace's own instrumentation puts on <c>gen_ai</c> spans
/// (<see cref="UsageTelemetry.Enrich"/>), so its spans map back to the attribution they were recorded with.
/// </summary>
internal static class OtlpConventions
{
    public const string ProviderName = "gen_ai.provider.name";
    public const string System = "gen_ai.system";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string Operation = "gen_ai.operation.name";

    /// <summary>
    /// Operations whose spans sum the model calls made inside them (an agent's run, a tool's execution), which are
    /// spans of their own: their usage is never a record, or a run would count its calls twice.
    /// </summary>
    public static readonly IReadOnlySet<string> EnclosingOperations = new HashSet<string>(["invoke_agent", "create_agent", "execute_tool"], StringComparer.Ordinal);

    /// <summary>The id of the record TokenTrace's own instrumentation made of this span's call (<see cref="UsageTelemetry.Enrich"/>).</summary>
    public const string RecordId = "tokentrace.record_id";
    public const string AgentName = "gen_ai.agent.name";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";

    /// <summary>The names before semantic conventions 1.27; still sent by older instrumentations.</summary>
    public const string PromptTokens = "gen_ai.usage.prompt_tokens";
    public const string CompletionTokens = "gen_ai.usage.completion_tokens";

    public const string CacheReadTokens = "gen_ai.usage.cache_read.input_tokens";
    public const string CacheCreationTokens = "gen_ai.usage.cache_creation.input_tokens";
    public const string ReasoningTokens = "gen_ai.usage.reasoning.output_tokens";
    public const string TokenType = "gen_ai.token.type";
    public const string TokenUsageMetric = "gen_ai.client.token.usage";

    public const string ServiceName = "service.name";
    public const string CloudRegion = "cloud.region";
    public const string UserId = "user.id";
    public const string EndUserId = "enduser.id";

    public const string Project = "tokentrace.project";
    public const string Job = "tokentrace.job";
    public const string Task = "tokentrace.task";
    public const string Agent = "tokentrace.agent";
    public const string Session = "tokentrace.session";
    public const string User = "tokentrace.user";

    /// <summary>The tags a stored record keeps to find its span again.</summary>
    public const string TraceIdTag = "otel.trace_id";
    public const string SpanIdTag = "otel.span_id";

    /// <summary>The <see cref="UsageRecord.Source"/> of records made from spans and from metrics.</summary>
    public const string SpanSource = "otlp";
    public const string MetricSource = "otlp-metrics";
}
