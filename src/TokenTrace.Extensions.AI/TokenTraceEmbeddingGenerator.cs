using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace.Extensions.AI;

/// <summary>
/// A delegating embedding generator that records every call it passes on through a <see cref="TokenTracker"/>, as
/// <see cref="TokenTraceChatClient"/> does for chat (operation <c>embeddings</c>).
/// </summary>
/// <typeparam name="TInput">The type of the inputs (usually <see cref="string"/>).</typeparam>
/// <typeparam name="TEmbedding">The type of the embeddings.</typeparam>
/// <remarks>
/// The model is the first embedding's <see cref="Embedding.ModelId"/>, else <see cref="EmbeddingGenerationOptions.ModelId"/>,
/// else <see cref="EmbeddingGeneratorMetadata.DefaultModelId"/>, else <c>unknown</c>. A call that reports no usage is
/// tagged <see cref="TokenTraceTags.Unreported"/>.
/// </remarks>
public sealed class TokenTraceEmbeddingGenerator<TInput, TEmbedding> : DelegatingEmbeddingGenerator<TInput, TEmbedding>
    where TEmbedding : Embedding
{
    private readonly EmbeddingGeneratorMetadata? _metadata;
    private readonly ILogger _logger;

    /// <summary>Creates the generator.</summary>
    /// <param name="innerGenerator">The generator calls go to.</param>
    /// <param name="tracker">Where calls are recorded; can be set later through <see cref="Tracker"/>.</param>
    /// <param name="logger">Where recording problems are logged.</param>
    public TokenTraceEmbeddingGenerator(IEmbeddingGenerator<TInput, TEmbedding> innerGenerator, TokenTracker? tracker = null, ILogger? logger = null)
        : base(innerGenerator)
    {
        Tracker = tracker;
        _logger = logger ?? NullLogger.Instance;
        _metadata = innerGenerator.GetService<EmbeddingGeneratorMetadata>();
    }

    /// <summary>The tracker every call is recorded through. Required before the first call.</summary>
    public TokenTracker? Tracker { get; set; }

    /// <summary>The hard budgets checked before each call, or null for none.</summary>
    public BudgetEnforcer? Budgets { get; set; }

    /// <summary>The provider recorded, overriding the inner generator's metadata.</summary>
    public string? ProviderName { get; set; }

    /// <summary>
    /// What a call is expected to use, reserved in the budgets before it runs. By default, for string inputs, their length
    /// at about four characters a token; nothing for other inputs.
    /// </summary>
    public Func<IEnumerable<TInput>, EmbeddingGenerationOptions?, TokenCounts>? EstimateUsage { get; set; }

    /// <inheritdoc/>
    public override async Task<GeneratedEmbeddings<TEmbedding>> GenerateAsync(IEnumerable<TInput> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var tracker = Tracker ?? throw new InvalidOperationException(
            "TokenTraceEmbeddingGenerator has no TokenTracker: register one (services.AddTokenTrace(...)) or set Tracker in UseTokenTrace's configure action.");
        var call = CallStart.Begin(tracker, UsageOperations.Embeddings, options?.AdditionalProperties, ProviderName ?? _metadata?.ProviderName, options?.ModelId ?? _metadata?.DefaultModelId);
        BudgetReservation? reservation = null;
        if (Budgets is { } budgets)
        {
            reservation = await CallRecorder.ReserveAsync(budgets, call, Estimate(values, options), _logger, cancellationToken).ConfigureAwait(false);
            call = call.AfterBudgetCheck();
        }

        if (CallStart.HasOwnProperties(options?.AdditionalProperties))
        {
            // Some adapters send additional properties to the provider: the caller's attribution stays here.
            options = options!.Clone();
            CallStart.RemoveOwnProperties(options.AdditionalProperties!);
        }

        GeneratedEmbeddings<TEmbedding> embeddings;
        try
        {
            embeddings = await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await CallRecorder.FinishAsync(call, null, null, CallRecorder.StatusOf(ex), reservation, _logger).ConfigureAwait(false);
            throw;
        }

        var model = embeddings.Count > 0 ? embeddings[0].ModelId : null;
        await CallRecorder.FinishAsync(call, model, embeddings.Usage, CallRecorder.Ok, reservation, _logger).ConfigureAwait(false);
        return embeddings;
    }

    private TokenCounts Estimate(IEnumerable<TInput> values, EmbeddingGenerationOptions? options)
    {
        if (EstimateUsage is { } estimate)
        {
            return estimate(values, options);
        }

        long characters = 0;
        foreach (var value in values)
        {
            if (value is string text)
            {
                characters += text.Length;
            }
        }

        return new TokenCounts { Input = CallRecorder.TokensOfText(characters) };
    }
}
