using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel;
using TokenTrace.Extensions.AI;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

namespace TokenTrace.SemanticKernel;

/// <summary>
/// A Semantic Kernel filter that records the model usage kernel functions report, through a <see cref="TokenTracker"/>:
/// priced, with the provider and model from the result, attributed to the ambient <see cref="UsageScope"/> and tagged
/// with the function (<see cref="TokenTraceKernelTags.Function"/>).
/// </summary>
/// <remarks>
/// <para>Usage is read in both shapes Semantic Kernel reports it: the OpenAI connector's <c>OpenAI.Chat.ChatTokenUsage</c>
/// under the <c>"Usage"</c> metadata key, and Microsoft.Extensions.AI's <see cref="UsageDetails"/> /
/// <see cref="UsageContent"/> (a prompt function over an <see cref="IChatClient"/> returns a <see cref="ChatResponse"/>
/// that carries it). Streaming invocations are recorded when their stream ends, from the usage its updates carried.</para>
/// <para>As an auto-function-invocation filter it also records the model responses that asked for tools: the OpenAI
/// connector reports only the last model call of an automatic tool loop in the function's result. (Over an
/// <see cref="IChatClient"/>, the result's usage already sums the loop, and those responses are not recorded again.)</para>
/// <para>Nothing is counted twice: when a chat client beneath a function is instrumented with <c>UseTokenTrace()</c>,
/// its records (one per model call, tagged with the function as well) stand and the filter records nothing for that
/// function. A function that reports no usage (a native function) is not a model call and is not recorded.</para>
/// <para>Recording never fails the function: a ledger or tracker problem is logged.</para>
/// </remarks>
public sealed partial class TokenTraceKernelFilter : IFunctionInvocationFilter, IAutoFunctionInvocationFilter
{
    private int _unfollowedLogged;

    private readonly ILogger _logger;

    /// <summary>Creates the filter.</summary>
    /// <param name="tracker">Where usage is recorded.</param>
    /// <param name="logger">Where recording problems are logged.</param>
    public TokenTraceKernelFilter(TokenTracker tracker, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        Tracker = tracker;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Where usage is recorded.</summary>
    public TokenTracker Tracker { get; }

    /// <summary>
    /// The provider recorded. By default <c>openai</c> for the OpenAI connector's usage (set it for Azure OpenAI or another
    /// OpenAI-compatible service), else the provider of the kernel's <see cref="IChatClient"/>.
    /// </summary>
    public string? ProviderName { get; set; }

    /// <inheritdoc/>
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var invocation = Begin(context.Function, context.IsStreaming);
        using (invocation.Enter())
        {
            await next(context).ConfigureAwait(false);
        }

        if (context.IsStreaming)
        {
            // The model is called as the caller reads the stream, after this filter returns: follow the stream.
            // The wrapper must have the stream's exact element type: the caller reads it back as IAsyncEnumerable<TResult>,
            // and covariance would let a stream of a derived type (OpenAIStreamingChatMessageContent) match a pattern
            // whose wrapper then fails that cast and breaks the caller's call.
            var stream = context.Result.GetValue<object>();
            if (Yields<StreamingChatMessageContent>(stream) is { } chat)
            {
                context.Result = new FunctionResult(context.Result, FollowAsync(chat, invocation, context.Kernel));
            }
            else if (Yields<StreamingKernelContent>(stream) is { } contents)
            {
                context.Result = new FunctionResult(context.Result, FollowAsync(contents, invocation, context.Kernel));
            }
            else if (stream is not null && Interlocked.Exchange(ref _unfollowedLogged, 1) == 0)
            {
                LogStreamNotFollowed(_logger, context.Function.Name, stream.GetType().Name);
            }

            return;
        }

        if (invocation.Calls.Count > 0)
        {
            return;
        }

        var (usage, isOpenAIShape, model) = Read(context.Result);
        if (usage is not null)
        {
            await RecordAsync(invocation, usage, model, Provider(isOpenAIShape, context.Kernel)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);

        // One record per model response, not per tool it asked for; a stream carries every response's usage itself.
        if (context.FunctionSequenceIndex == 0 && KernelInvocation.Current is { IsStreaming: false } invocation && invocation.Calls.Count == 0
            && KernelUsage.FromMetadata(context.ChatMessageContent?.Metadata, out var isOpenAIShape) is { } usage && isOpenAIShape)
        {
            await RecordAsync(invocation, usage, ModelOf(context.ChatMessageContent), Provider(isOpenAIShape, context.Kernel)).ConfigureAwait(false);
        }

        await next(context).ConfigureAwait(false);
    }

    private KernelInvocation Begin(KernelFunction function, bool isStreaming)
    {
        var name = string.IsNullOrEmpty(function.PluginName) ? function.Name : function.PluginName + "." + function.Name;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal) { [TokenTraceKernelTags.Function] = name };
        var time = Tracker.Time;

        // The innermost function's tag wins, so a model call is tagged with the function it was made for.
        return new KernelInvocation(name, new Attribution { Tags = tags }.WithFallback(UsageScope.Current), time.GetUtcNow(), time.GetTimestamp(), isStreaming);
    }

    /// <summary>Passes a streaming function's updates on, adding up the usage they carry; records it once, when the stream ends or the caller stops reading.</summary>
    private async IAsyncEnumerable<T> FollowAsync<T>(IAsyncEnumerable<T> stream, KernelInvocation invocation, Kernel kernel, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : StreamingKernelContent
    {
        UsageDetails? usage = null;
        var isOpenAIShape = false;
        string? model = null;
        IAsyncEnumerator<T>? updates = null;
        try
        {
            while (true)
            {
                // An async iterator loses ambient values at each yield: the invocation is entered around each step.
                using (invocation.Enter())
                {
                    updates ??= stream.GetAsyncEnumerator(cancellationToken);
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }

                var update = updates.Current;
                if (KernelUsage.FromMetadata(update.Metadata, out var openAI) is { } reported)
                {
                    // Each update's usage is one model call's (the connector's last chunk, or an M.E.AI delta): they add up.
                    (usage ??= new UsageDetails()).Add(reported);
                    isOpenAIShape |= openAI;
                }

                model = ModelOf(update) ?? model;
                yield return update;
            }
        }
        finally
        {
            if (updates is not null)
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }

            if (usage is not null && invocation.Calls.Count == 0)
            {
                await RecordAsync(invocation, usage, model, Provider(isOpenAIShape, kernel)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The usage and model of a non-streaming result: its metadata, else the <see cref="ChatResponse"/> or <see cref="ChatMessageContent"/> it holds.</summary>
    private static (UsageDetails? Usage, bool IsOpenAIShape, string? Model) Read(FunctionResult result)
    {
        var value = result.GetValue<object>();
        if (KernelUsage.FromMetadata(result.Metadata, out var isOpenAIShape) is { } usage)
        {
            return (usage, isOpenAIShape, value is KernelContent content ? ModelOf(content) : (value as ChatResponse)?.ModelId);
        }

        return value switch
        {
            ChatResponse { Usage: { } details } response => (details, false, response.ModelId),
            ChatMessageContent message when KernelUsage.FromMetadata(message.Metadata, out isOpenAIShape) is { } inner => (inner, isOpenAIShape, ModelOf(message)),
            _ => (null, false, null),
        };
    }

    /// <summary>The model that answered (the served snapshot the OpenAI SDK reports), else the model the content names.</summary>
    private static string? ModelOf(KernelContent? content) => content?.InnerContent switch
    {
        OpenAI.Chat.ChatCompletion completion when !string.IsNullOrEmpty(completion.Model) => completion.Model,
        ChatResponse response when !string.IsNullOrEmpty(response.ModelId) => response.ModelId,
        _ => content?.ModelId,
    };

    private static string? ModelOf(StreamingKernelContent update) => update.InnerContent switch
    {
        OpenAI.Chat.StreamingChatCompletionUpdate chunk when !string.IsNullOrEmpty(chunk.Model) => chunk.Model,
        ChatResponseUpdate chunk when !string.IsNullOrEmpty(chunk.ModelId) => chunk.ModelId,
        _ => update.ModelId,
    };

    private string? Provider(bool isOpenAIShape, Kernel kernel)
    {
        if (ProviderName is not null)
        {
            return ProviderName;
        }

        if (isOpenAIShape)
        {
            return KernelUsage.OpenAIProvider;
        }

        try
        {
            return kernel.Services.GetService(typeof(IChatClient)) is IChatClient client ? client.GetService<ChatClientMetadata>()?.ProviderName : null;
        }
        catch (InvalidOperationException)
        {
            // A service provider that cannot build the chat client here only costs the provider name.
            return null;
        }
    }

    /// <summary>Records one model call (or one summed loop) of an invocation. Never throws.</summary>
    private async ValueTask RecordAsync(KernelInvocation invocation, UsageDetails usage, string? model, string? provider)
    {
        try
        {
            var usageTag = TokenTraceKernelTags.KernelUsage;
            TokenCounts tokens;
            try
            {
                tokens = UsageDetailsNormalizer.Normalize(usage, provider);
            }
            catch (UsageFormatException ex)
            {
                LogInvalidUsage(_logger, ex, invocation.Function);
                tokens = TokenCounts.Zero;
                usageTag = TokenTraceTags.Invalid;
            }

            await Tracker.RecordAsync(new UsageRecord
            {
                Id = UsageRecord.NewId(),
                Timestamp = invocation.Timestamp,
                Provider = provider,
                Model = string.IsNullOrWhiteSpace(model) ? "unknown" : model,
                Operation = UsageOperations.Chat,
                Tokens = tokens,
                Attribution = new Attribution { Tags = new Dictionary<string, string>(StringComparer.Ordinal) { [TokenTraceTags.Usage] = usageTag } }.WithFallback(invocation.Attribution),
                Source = UsageSources.Sdk,
                LatencyMs = Tracker.Time.GetElapsedTime(invocation.StartTicks).TotalMilliseconds,
                Status = "ok",
            }).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogRecordFailed(_logger, ex, invocation.Function);
        }
    }

    /// <summary><paramref name="stream"/> when it is a stream of exactly <typeparamref name="T"/> (not of a type derived from it).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The interfaces of a type that was instantiated are kept by the trimmer.")]
    private static IAsyncEnumerable<T>? Yields<T>(object? stream) =>
        stream is IAsyncEnumerable<T> typed && Array.IndexOf(stream.GetType().GetInterfaces(), typeof(IAsyncEnumerable<T>)) >= 0 ? typed : null;

    [LoggerMessage(3, LogLevel.Warning, "A streamed call of kernel function {Function} yields {StreamType}, which TokenTrace does not follow: its usage is not recorded by the kernel filter (put UseTokenTrace() on the chat client to record it). Logged once")]
    private static partial void LogStreamNotFollowed(ILogger logger, string function, string streamType);

    [LoggerMessage(1, LogLevel.Warning, "TokenTrace could not record the usage of kernel function {Function}; the function itself is unaffected")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string function);

    [LoggerMessage(2, LogLevel.Warning, "Kernel function {Function} reported usage TokenTrace cannot read; it is recorded tagged tokentrace.usage=invalid with zero counts")]
    private static partial void LogInvalidUsage(ILogger logger, Exception exception, string function);
}
