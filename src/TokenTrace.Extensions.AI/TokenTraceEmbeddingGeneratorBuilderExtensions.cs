using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace TokenTrace.Extensions.AI;

/// <summary>Adds <see cref="TokenTraceEmbeddingGenerator{TInput, TEmbedding}"/> to an <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/>.</summary>
public static class TokenTraceEmbeddingGeneratorBuilderExtensions
{
    /// <summary>Records every call through the pipeline with a <see cref="TokenTracker"/>.</summary>
    /// <typeparam name="TInput">The type of the inputs.</typeparam>
    /// <typeparam name="TEmbedding">The type of the embeddings.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="tracker">The tracker; when null, the registered <see cref="TokenTracker"/>, or the one <paramref name="configure"/> sets.</param>
    /// <param name="loggerFactory">Where recording problems are logged; when null, the registered <see cref="ILoggerFactory"/>, if any.</param>
    /// <param name="configure">Sets the generator's options.</param>
    /// <returns>The builder.</returns>
    public static EmbeddingGeneratorBuilder<TInput, TEmbedding> UseTokenTrace<TInput, TEmbedding>(
        this EmbeddingGeneratorBuilder<TInput, TEmbedding> builder, TokenTracker? tracker = null, ILoggerFactory? loggerFactory = null, Action<TokenTraceEmbeddingGenerator<TInput, TEmbedding>>? configure = null)
        where TEmbedding : Embedding
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerGenerator, services) =>
        {
            loggerFactory ??= services.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
            var generator = new TokenTraceEmbeddingGenerator<TInput, TEmbedding>(innerGenerator, tracker ?? services.GetService(typeof(TokenTracker)) as TokenTracker, loggerFactory?.CreateLogger<TokenTraceEmbeddingGenerator<TInput, TEmbedding>>())
            {
                Budgets = services.GetService(typeof(BudgetEnforcer)) is BudgetEnforcer enforcer && enforcer.Budgets.Any(b => b.Mode == BudgetMode.Hard) ? enforcer : null,
            };
            configure?.Invoke(generator);
            return generator.Tracker is not null ? generator : throw new InvalidOperationException(
                "UseTokenTrace found no TokenTracker: register one (services.AddTokenTrace(...)), pass one, or set Tracker in the configure action.");
        });
    }

    /// <summary>Records every call through the pipeline, configured by <paramref name="configure"/>.</summary>
    /// <typeparam name="TInput">The type of the inputs.</typeparam>
    /// <typeparam name="TEmbedding">The type of the embeddings.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the generator's options; its tracker starts as the registered one, if any.</param>
    /// <returns>The builder.</returns>
    public static EmbeddingGeneratorBuilder<TInput, TEmbedding> UseTokenTrace<TInput, TEmbedding>(
        this EmbeddingGeneratorBuilder<TInput, TEmbedding> builder, Action<TokenTraceEmbeddingGenerator<TInput, TEmbedding>> configure)
        where TEmbedding : Embedding
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.UseTokenTrace(tracker: null, loggerFactory: null, configure);
    }
}
