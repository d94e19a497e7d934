using System.Runtime.CompilerServices;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TokenTrace.Extensions.AI;

namespace TokenTrace.AgentFramework;

/// <summary>
/// A delegating agent that attributes every model call of a run to the agent (its <see cref="AIAgent.Name"/>), its
/// session and the run (the tag <see cref="TokenTraceAgentTags.Run"/>), by opening a <see cref="UsageScope"/> around
/// the run that flows into the agent's chat client, its tool calls and any agent it calls.
/// </summary>
/// <remarks>
/// <para>The records themselves come from the chat client's <c>UseTokenTrace()</c> (one per model call). When no model
/// call of a run was recorded that way (the agent's chat client is not instrumented) and <see cref="Tracker"/> is set,
/// the run is recorded once from its own usage (<see cref="AgentResponse.Usage"/>, or the usage updates of a stream),
/// tagged <c>tokentrace.usage</c> = <see cref="TokenTraceAgentTags.RunUsage"/>. Never both: a run with any recorded
/// model call records nothing itself, so nothing is counted twice.</para>
/// <para>The session is the id kept in the session's state bag under <see cref="SessionStateKey"/> (created on the
/// session's first run, and serialized with the session, so a restored session keeps it). A run without a session has
/// no session attribution of its own.</para>
/// <para>Recording never fails the run: a ledger or tracker problem is logged.</para>
/// </remarks>
public sealed partial class TokenTraceAgent : DelegatingAIAgent
{
    /// <summary>The key of the session's state bag that holds its TokenTrace session id.</summary>
    public const string SessionStateKey = "tokentrace.session";

    // The record's Status values, as TokenTraceChatClient writes them.
    private const string Ok = "ok";
    private const string Error = "error";
    private const string Cancelled = "cancelled";

    private readonly ILogger _logger;
    private ChatClientMetadata? _metadata;
    private bool _metadataRead;

    /// <summary>Creates the agent.</summary>
    /// <param name="innerAgent">The agent runs go to.</param>
    /// <param name="tracker">Where a run whose model calls were not recorded by an instrumented chat client is recorded; null to never record runs.</param>
    /// <param name="logger">Where recording problems are logged.</param>
    public TokenTraceAgent(AIAgent innerAgent, TokenTracker? tracker = null, ILogger? logger = null)
        : base(innerAgent)
    {
        Tracker = tracker;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Where a run is recorded when none of its model calls was (its chat client has no <c>UseTokenTrace()</c>); null
    /// (the default when none is registered) attributes only.
    /// </summary>
    public TokenTracker? Tracker { get; set; }

    /// <summary>The provider of a run recorded from its own usage, overriding the chat client's metadata.</summary>
    public string? ProviderName { get; set; }

    /// <summary>The agent name recorded, overriding <see cref="AIAgent.Name"/>.</summary>
    public string? AgentName { get; set; }

    /// <inheritdoc/>
    protected override async Task<AgentResponse> RunCoreAsync(IEnumerable<ChatMessage> messages, AgentSession? session = null, AgentRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        var run = Begin(session);
        AgentResponse response;
        try
        {
            using (run.Enter())
            {
                response = await base.RunCoreAsync(messages, session, options, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            await FinishAsync(run, null, null, ex is OperationCanceledException ? Cancelled : Error).ConfigureAwait(false);
            throw;
        }

        await FinishAsync(run, (response.RawRepresentation as ChatResponse)?.ModelId, response.Usage, Ok).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc/>
    protected override async IAsyncEnumerable<AgentResponseUpdate> RunCoreStreamingAsync(
        IEnumerable<ChatMessage> messages, AgentSession? session = null, AgentRunOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var run = Begin(session);

        // Until the stream ends, the caller may stop reading at any update: that is a cancelled run.
        var status = Cancelled;
        UsageDetails? usage = null;
        string? model = null;
        IAsyncEnumerator<AgentResponseUpdate>? updates = null;
        try
        {
            while (true)
            {
                // An async iterator loses ambient values at each yield, so the run's scope is entered around each step:
                // whatever the inner agent does in that step (model calls, tools, nested agents) sees it.
                using (run.Enter())
                {
                    try
                    {
                        updates ??= base.RunCoreStreamingAsync(messages, session, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            status = Ok;
                            break;
                        }
                    }
                    catch (Exception ex)
                    {
                        status = ex is OperationCanceledException ? Cancelled : Error;
                        throw;
                    }
                }

                var update = updates.Current;
                model = (update.RawRepresentation as ChatResponseUpdate)?.ModelId ?? model;
                foreach (var content in update.Contents)
                {
                    // Each UsageContent is a delta (the M.E.AI contract): a run's model calls add up.
                    if (content is UsageContent reported)
                    {
                        (usage ??= new UsageDetails()).Add(reported.Details);
                    }
                }

                yield return update;
            }
        }
        finally
        {
            try
            {
                if (updates is not null)
                {
                    using (run.Enter())
                    {
                        await updates.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                await FinishAsync(run, model, usage, status).ConfigureAwait(false);
            }
        }
    }

    private AgentRun Begin(AgentSession? session)
    {
        var time = Tracker?.Time ?? TimeProvider.System;
        var runId = Guid.CreateVersion7().ToString();
        var attribution = new Attribution
        {
            Agent = AgentName ?? Name,
            Session = session is null ? null : SessionIdOf(session),
            Tags = new Dictionary<string, string>(StringComparer.Ordinal) { [TokenTraceAgentTags.Run] = runId },
        };

        // The run's own fields win over the scope it started in (a nested agent is attributed to itself, not its caller).
        return new AgentRun(runId, attribution.WithFallback(UsageScope.Current), time.GetUtcNow(), time.GetTimestamp());
    }

    private static string SessionIdOf(AgentSession session)
    {
        // Kept in the state bag so it is serialized with the session: a restored conversation stays one session.
        if (session.StateBag.TryGetValue<string>(SessionStateKey, out var id, SessionIdJson.Default.Options) && !string.IsNullOrWhiteSpace(id))
        {
            return id;
        }

        id = Guid.CreateVersion7().ToString();
        session.StateBag.SetValue(SessionStateKey, id, SessionIdJson.Default.Options);
        return id;
    }

    /// <summary>Records the run from its own usage when no model call in it was recorded, and a tracker is set. Never throws.</summary>
    private async ValueTask FinishAsync(AgentRun run, string? reportedModel, UsageDetails? usage, string status)
    {
        if (run.Calls.Count > 0)
        {
            return;
        }

        if (Tracker is not { } tracker)
        {
            LogRunNotRecorded(_logger, run.Attribution.Agent ?? "(unnamed)");
            return;
        }

        try
        {
            var metadata = Metadata();
            var provider = ProviderName ?? metadata?.ProviderName;
            var usageTag = TokenTraceAgentTags.RunUsage;
            var tokens = TokenCounts.Zero;
            if (usage is null)
            {
                usageTag = TokenTraceTags.Unreported;
            }
            else
            {
                try
                {
                    tokens = UsageDetailsNormalizer.Normalize(usage, provider);
                }
                catch (UsageFormatException ex)
                {
                    LogInvalidUsage(_logger, ex, run.Attribution.Agent ?? "(unnamed)");
                    usageTag = TokenTraceTags.Invalid;
                }
            }

            var tags = new Dictionary<string, string>(StringComparer.Ordinal) { [TokenTraceTags.Usage] = usageTag };
            await tracker.RecordAsync(new UsageRecord
            {
                Id = run.Id,
                Timestamp = run.Timestamp,
                Provider = provider,
                Model = reportedModel ?? metadata?.DefaultModelId ?? "unknown",
                Operation = UsageOperations.Chat,
                Tokens = tokens,
                Attribution = new Attribution { Tags = tags }.WithFallback(run.Attribution),
                Source = UsageSources.Sdk,
                LatencyMs = tracker.Time.GetElapsedTime(run.StartTicks).TotalMilliseconds,
                Status = status,
            }).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogRecordFailed(_logger, ex, run.Attribution.Agent ?? "(unnamed)");
        }
    }

    /// <summary>The chat client's metadata, for the provider and model of a run recorded from its own usage; read once.</summary>
    private ChatClientMetadata? Metadata()
    {
        if (!_metadataRead)
        {
            _metadata = InnerAgent.GetService<ChatClientMetadata>() ?? InnerAgent.GetService<IChatClient>()?.GetService<ChatClientMetadata>();
            _metadataRead = true;
        }

        return _metadata;
    }

    [LoggerMessage(1, LogLevel.Warning, "TokenTrace could not record a run of agent {Agent}; the run itself is unaffected")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(2, LogLevel.Warning, "A run of agent {Agent} reported usage TokenTrace cannot read; it is recorded tagged tokentrace.usage=invalid with zero counts")]
    private static partial void LogInvalidUsage(ILogger logger, Exception exception, string agent);

    [LoggerMessage(3, LogLevel.Debug, "A run of agent {Agent} made no call through a chat client with UseTokenTrace() and the agent has no tracker: nothing recorded")]
    private static partial void LogRunNotRecorded(ILogger logger, string agent);
}
