using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace TokenTrace.Extensions.AI.Tests.Fakes;

/// <summary>
/// An inner chat client that streams the updates it is given, in order, then throws <see cref="Failure"/> if set: for the
/// stream shapes the OpenAI adapter never produces (usage before the text, as Anthropic's stream reports input first; a
/// stream that breaks after reporting usage).
/// </summary>
internal sealed class ScriptedChatClient(string provider, params ChatResponseUpdate[] updates) : IChatClient
{
    public Exception? Failure { get; init; }

    /// <summary>The options of the last call, as this client received them.</summary>
    public ChatOptions? ReceivedOptions { get; private set; }

    /// <summary>How many updates the caller pulled.</summary>
    public int Pulled { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ReceivedOptions = options;
        foreach (var update in updates)
        {
            await Task.Yield();
            Pulled++;
            yield return update;
        }

        if (Failure is not null)
        {
            throw Failure;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata(provider, null, "scripted-model") : null;

    public void Dispose()
    {
    }

    public static ChatResponseUpdate Usage(UsageDetails details, string? model = null) =>
        new(ChatRole.Assistant, [new UsageContent(details)]) { ModelId = model };

    public static ChatResponseUpdate Text(string text, string? model = null) =>
        new(ChatRole.Assistant, text) { ModelId = model };
}
