using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace TokenTrace.Extensions.AI;

/// <summary>Adds <see cref="TokenTraceChatClient"/> to a <see cref="ChatClientBuilder"/>.</summary>
public static class TokenTraceChatClientBuilderExtensions
{
    /// <summary>
    /// Records every call through the pipeline with a <see cref="TokenTracker"/>. Add it after
    /// <c>UseFunctionInvocation()</c> to record each model call (recommended: each is priced and budget-checked on its
    /// own), or before it to record one call per run.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="tracker">The tracker; when null, the <see cref="TokenTracker"/> registered in the builder's services (as <c>AddTokenTrace</c> registers it), or the one <paramref name="configure"/> sets.</param>
    /// <param name="loggerFactory">Where recording problems are logged; when null, the registered <see cref="ILoggerFactory"/>, if any.</param>
    /// <param name="configure">Sets the client's options (budgets, provider name, estimate).</param>
    /// <returns>The builder.</returns>
    /// <remarks>The registered <see cref="BudgetEnforcer"/>, if it has a hard budget, becomes the client's <see cref="TokenTraceChatClient.Budgets"/>.</remarks>
    public static ChatClientBuilder UseTokenTrace(this ChatClientBuilder builder, TokenTracker? tracker = null, ILoggerFactory? loggerFactory = null, Action<TokenTraceChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) =>
        {
            loggerFactory ??= services.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
            var client = new TokenTraceChatClient(innerClient, tracker ?? services.GetService(typeof(TokenTracker)) as TokenTracker, loggerFactory?.CreateLogger<TokenTraceChatClient>())
            {
                // AddTokenTrace always registers one; without a hard budget it could never refuse, so the call skips it.
                Budgets = services.GetService(typeof(BudgetEnforcer)) is BudgetEnforcer enforcer && enforcer.Budgets.Any(b => b.Mode == BudgetMode.Hard) ? enforcer : null,
            };
            configure?.Invoke(client);
            return client.Tracker is not null ? client : throw new InvalidOperationException(
                "UseTokenTrace found no TokenTracker: register one (services.AddTokenTrace(...)), pass one, or set Tracker in the configure action.");
        });
    }

    /// <summary>Records every call through the pipeline, configured by <paramref name="configure"/> (see the other overload).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the client's options; its <see cref="TokenTraceChatClient.Tracker"/> starts as the registered tracker, if any.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseTokenTrace(this ChatClientBuilder builder, Action<TokenTraceChatClient> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.UseTokenTrace(tracker: null, loggerFactory: null, configure);
    }
}
