using Microsoft.Agents.AI;
using Microsoft.Extensions.Logging;

namespace TokenTrace.AgentFramework;

/// <summary>Adds <see cref="TokenTraceAgent"/> to an <see cref="AIAgentBuilder"/>.</summary>
public static class TokenTraceAIAgentBuilderExtensions
{
    /// <summary>
    /// Attributes every model call of the agent's runs to the agent, its session and the run. The calls are recorded by
    /// the chat client's <c>UseTokenTrace()</c>; a run none of whose calls was recorded that way is recorded once from its
    /// own usage when a tracker is given or registered.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="tracker">The tracker for runs recorded from their own usage; when null, the <see cref="TokenTracker"/> registered in the builder's services, if any.</param>
    /// <param name="loggerFactory">Where recording problems are logged; when null, the registered <see cref="ILoggerFactory"/>, if any.</param>
    /// <param name="configure">Sets the agent's options (agent name, provider name).</param>
    /// <returns>The builder.</returns>
    public static AIAgentBuilder UseTokenTrace(this AIAgentBuilder builder, TokenTracker? tracker = null, ILoggerFactory? loggerFactory = null, Action<TokenTraceAgent>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerAgent, services) =>
        {
            loggerFactory ??= services.GetService(typeof(ILoggerFactory)) as ILoggerFactory;
            var agent = new TokenTraceAgent(innerAgent, tracker ?? services.GetService(typeof(TokenTracker)) as TokenTracker, loggerFactory?.CreateLogger<TokenTraceAgent>());
            configure?.Invoke(agent);
            return agent;
        });
    }
}
