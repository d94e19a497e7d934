namespace TokenTrace.Server.Otlp;

/// <summary>
/// The mapping from OpenTelemetry GenAI attributes to a <see cref="UsageRecord"/>, shared by spans and metric points:
/// model, provider, operation, attribution (a <c>tokentrace.*</c> attribute first, then the GenAI and resource
/// conventions), region.
/// </summary>
internal static class OtlpUsage
{
    /// <summary>The name an OpenTelemetry SDK gives a service nobody named (<c>unknown_service:dotnet</c>): not a project.</summary>
    private const string UnknownServicePrefix = "unknown_service";

    private const long MaxTokens = 9_000_000_000_000_000;

    public static bool HasTokens(OtlpAttributes attributes) =>
        attributes.Has(OtlpConventions.InputTokens) || attributes.Has(OtlpConventions.OutputTokens)
        || attributes.Has(OtlpConventions.PromptTokens) || attributes.Has(OtlpConventions.CompletionTokens);

    /// <summary>
    /// The disjoint buckets of a span's usage. The conventions count cache reads and cache writes inside
    /// <c>gen_ai.usage.input_tokens</c> (as M.E.AI does), so they are taken out of it; when they are larger than it, the
    /// sender followed Anthropic's convention (input excludes the cache) and input is kept as sent.
    /// </summary>
    public static TokenCounts SpanTokens(OtlpAttributes attributes)
    {
        var input = attributes.Count(OtlpConventions.InputTokens) ?? attributes.Count(OtlpConventions.PromptTokens) ?? 0;
        var output = attributes.Count(OtlpConventions.OutputTokens) ?? attributes.Count(OtlpConventions.CompletionTokens) ?? 0;
        var cacheRead = attributes.Count(OtlpConventions.CacheReadTokens) ?? 0;
        var cacheWrite = attributes.Count(OtlpConventions.CacheCreationTokens) ?? 0;
        var reasoning = attributes.Count(OtlpConventions.ReasoningTokens) ?? 0;
        if (input < 0 || output < 0 || cacheRead < 0 || cacheWrite < 0 || reasoning < 0)
        {
            throw new FormatException("a token count is negative");
        }

        // Bounded so that the sums below (and the record's total) cannot wrap.
        if (Math.Max(Math.Max(input, output), Math.Max(Math.Max(cacheRead, cacheWrite), reasoning)) > MaxTokens)
        {
            throw new FormatException("a token count is larger than 9 × 10¹⁵");
        }

        // The conventions count reasoning inside the output, as OpenAI does. Gemini's own counts keep thoughts outside
        // the candidates' tokens, and an instrumentation passing them through gives more reasoning than output: then
        // output is the two together, as with the cache rule below (RecordGeminiAsync does the same for the SDK's shape).
        if (reasoning > output)
        {
            output += reasoning;
        }

        var cached = cacheRead + cacheWrite;
        return new TokenCounts
        {
            Input = cached <= input ? input - cached : input,
            CacheRead = cacheRead,
            CacheWrite = cacheWrite,
            Output = output,
            Reasoning = reasoning,
        };
    }

    public static DateTimeOffset Instant(ulong unixNanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(unixNanos / 100));

    /// <summary>
    /// A record of <paramref name="tokens"/> from the GenAI attributes of a span or data point and its resource. The
    /// resource's <c>service.name</c> is the project only when <paramref name="serviceAsProject"/> (not for a token bound
    /// to a project, whose project is the default then).
    /// </summary>
    /// <exception cref="FormatException">No model is named.</exception>
    public static UsageRecord Record(string id, DateTimeOffset timestamp, OtlpAttributes attributes, OtlpAttributes resource, TokenCounts tokens, string source, bool serviceAsProject)
    {
        // The response model is the one that ran (a dated version of an alias), so it is the one priced.
        var model = attributes.Text(OtlpConventions.ResponseModel, OtlpConventions.RequestModel)
            ?? throw new FormatException($"token usage without a model ({OtlpConventions.RequestModel} or {OtlpConventions.ResponseModel})");
        string? Either(string key) => attributes.Text(key) ?? resource.Text(key);
        var service = serviceAsProject ? resource.Text(OtlpConventions.ServiceName) : null;
        return new UsageRecord
        {
            Id = id,
            Timestamp = timestamp,
            Model = model,
            Provider = attributes.Text(OtlpConventions.ProviderName, OtlpConventions.System),
            Operation = attributes.Text(OtlpConventions.Operation) ?? UsageOperations.Chat,
            Tokens = tokens,
            Region = resource.Text(OtlpConventions.CloudRegion),
            Source = source,
            Attribution = new Attribution
            {
                Project = Either(OtlpConventions.Project) ?? (service is not null && !service.StartsWith(UnknownServicePrefix, StringComparison.Ordinal) ? service : null),
                Job = Either(OtlpConventions.Job),
                Task = Either(OtlpConventions.Task),
                Agent = Either(OtlpConventions.Agent) ?? attributes.Text(OtlpConventions.AgentName),
                Session = Either(OtlpConventions.Session) ?? attributes.Text(OtlpConventions.ConversationId),
                User = Either(OtlpConventions.User) ?? attributes.Text(OtlpConventions.UserId, OtlpConventions.EndUserId) ?? resource.Text(OtlpConventions.UserId),
            },
        };
    }
}
