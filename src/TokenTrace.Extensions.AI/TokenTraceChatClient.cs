using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace.Extensions.AI;

/// <summary>
/// A delegating chat client that records every call it passes on (streaming or not) through a <see cref="TokenTracker"/>:
/// tokens in disjoint buckets, provider and model, attribution, latency and outcome; and, with <see cref="Budgets"/>,
/// refuses a call that a hard budget has no room for before it is made.
/// </summary>
/// <remarks>
/// <para>Placed inside <c>UseFunctionInvocation</c> (added after it to the builder) it records each model call; placed
/// outside (added before it) it records one call per run, with the usage of all its model calls summed.</para>
/// <para>The provider is <see cref="ProviderName"/>, else the inner client's <see cref="ChatClientMetadata.ProviderName"/>.
/// The model is the response's <see cref="ChatResponse.ModelId"/>, else <see cref="ChatOptions.ModelId"/>, else
/// <see cref="ChatClientMetadata.DefaultModelId"/>, else <c>unknown</c>.</para>
/// <para>A call that reports no usage is recorded with zero counts and the tag <see cref="TokenTraceTags.Usage"/> =
/// <see cref="TokenTraceTags.Unreported"/>. A failed call is recorded with status <c>error</c> (or <c>cancelled</c>) and
/// whatever usage it reported before failing, which is billed. A stream the caller stops reading is recorded, once, when
/// its enumerator is disposed, with the usage reported so far.</para>
/// <para>Recording never fails the call: a ledger or tracker problem is logged. Only a hard budget refuses a call, with
/// <see cref="BudgetExceededException"/>.</para>
/// </remarks>
public sealed class TokenTraceChatClient : DelegatingChatClient
{
    private readonly ChatClientMetadata? _metadata;
    private readonly ILogger _logger;
    private int _defaultOutputEstimate = 1024;

    /// <summary>Creates the client.</summary>
    /// <param name="innerClient">The client calls go to.</param>
    /// <param name="tracker">Where calls are recorded; can be set later through <see cref="Tracker"/>.</param>
    /// <param name="logger">Where recording problems are logged.</param>
    public TokenTraceChatClient(IChatClient innerClient, TokenTracker? tracker = null, ILogger? logger = null)
        : base(innerClient)
    {
        Tracker = tracker;
        _logger = logger ?? NullLogger.Instance;

        // Metadata does not change over a client's life; reading it once keeps it off every call.
        _metadata = innerClient.GetService<ChatClientMetadata>();
    }

    /// <summary>The tracker every call is recorded through. Required before the first call.</summary>
    public TokenTracker? Tracker { get; set; }

    /// <summary>
    /// The hard budgets checked before each call, or null for none. Create it with
    /// <see cref="BudgetEnforcer.For(TokenTracker, IEnumerable{Budget}, TimeSpan?)"/> so a settled call is in the ledger
    /// before its reservation is removed.
    /// </summary>
    public BudgetEnforcer? Budgets { get; set; }

    /// <summary>The provider recorded, overriding the inner client's metadata (e.g. <c>azure</c> for an OpenAI-compatible client).</summary>
    public string? ProviderName { get; set; }

    /// <summary>
    /// What a call is expected to use, reserved in the budgets before it runs and replaced by the real usage after it.
    /// By default: the text of the messages at about four characters a token as input, and
    /// <see cref="ChatOptions.MaxOutputTokens"/> (else <see cref="DefaultOutputEstimate"/>) as output.
    /// </summary>
    public Func<IEnumerable<ChatMessage>, ChatOptions?, TokenCounts>? EstimateUsage { get; set; }

    /// <summary>The output tokens the default estimate reserves when the options set no <see cref="ChatOptions.MaxOutputTokens"/>: 1,024.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int DefaultOutputEstimate
    {
        get => _defaultOutputEstimate;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _defaultOutputEstimate = value;
        }
    }

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (call, reservation) = await StartAsync(messages, options, cancellationToken).ConfigureAwait(false);

        options = WithoutOwnProperties(options);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await CallRecorder.FinishAsync(call, null, null, CallRecorder.StatusOf(ex), reservation, _logger).ConfigureAwait(false);
            throw;
        }

        await CallRecorder.FinishAsync(call, response.ModelId, response.Usage, CallRecorder.Ok, reservation, _logger).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (call, reservation) = await StartAsync(messages, options, cancellationToken).ConfigureAwait(false);

        options = WithoutOwnProperties(options);

        // Until the stream ends, the caller may stop reading at any update: that is a cancelled call, recorded as such.
        var status = CallRecorder.Cancelled;
        UsageDetails? usage = null;
        string? model = null;
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            try
            {
                updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            }
            catch (Exception ex)
            {
                status = CallRecorder.StatusOf(ex);
                throw;
            }

            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        status = CallRecorder.Ok;
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex)
                {
                    status = CallRecorder.StatusOf(ex);
                    throw;
                }

                model = update.ModelId ?? model;
                foreach (var content in update.Contents)
                {
                    // Each UsageContent is a delta (the M.E.AI contract), so they add up; recorded once, at the end.
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
                    await updates.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                await CallRecorder.FinishAsync(call, model, usage, status, reservation, _logger).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Starts a call: its attribution and model, then, when hard budgets are set, their reservation (the call's clock
    /// starts after that check). Completes synchronously, with no allocation, when there are no budgets.
    /// </summary>
    private async ValueTask<(CallStart Call, BudgetReservation? Reservation)> StartAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var call = Begin(options);
        if (Budgets is not { } budgets)
        {
            RecordedCallScope.NoteRecordedCall();
            return (call, null);
        }

        var reservation = await CallRecorder.ReserveAsync(budgets, call, Estimate(messages, options), _logger, cancellationToken).ConfigureAwait(false);

        // Only now is the call sure to be recorded here (a refused one throws above and is recorded by no one): tells an
        // agent run or a kernel function around it that its usage is in the ledger, so they do not record it again.
        RecordedCallScope.NoteRecordedCall();
        return (call.AfterBudgetCheck(), reservation);
    }

    private CallStart Begin(ChatOptions? options)
    {
        var tracker = Tracker ?? throw new InvalidOperationException(
            "TokenTraceChatClient has no TokenTracker: register one (services.AddTokenTrace(...)) or set Tracker in UseTokenTrace's configure action.");
        return CallStart.Begin(tracker, UsageOperations.Chat, options?.AdditionalProperties, ProviderName ?? _metadata?.ProviderName, options?.ModelId ?? _metadata?.DefaultModelId);
    }

    /// <summary>The options the inner client gets: the caller's, or a copy without the <c>tokentrace.</c> properties.</summary>
    private static ChatOptions? WithoutOwnProperties(ChatOptions? options)
    {
        if (!CallStart.HasOwnProperties(options?.AdditionalProperties))
        {
            return options;
        }

        var copy = options!.Clone();
        CallStart.RemoveOwnProperties(copy.AdditionalProperties!);
        return copy;
    }

    private TokenCounts Estimate(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        if (EstimateUsage is { } estimate)
        {
            return estimate(messages, options);
        }

        long characters = 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is TextContent text)
                {
                    characters += text.Text?.Length ?? 0;
                }
            }
        }

        return new TokenCounts { Input = CallRecorder.TokensOfText(characters), Output = options?.MaxOutputTokens ?? DefaultOutputEstimate };
    }
}
