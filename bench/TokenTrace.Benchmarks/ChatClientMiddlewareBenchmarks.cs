using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using TokenTrace.Extensions.AI;

namespace TokenTrace.Benchmarks;

/// <summary>
/// What <c>UseTokenTrace()</c> adds to a non-streaming call on the caller's thread, against the bare inner client and
/// against M.E.AI's own <c>UseOpenTelemetry()</c> (unobserved, and with a listener recording every activity). The inner
/// client answers at once with a response carrying OpenAI-style usage, so only the middleware is measured.
/// </summary>
/// <remarks>
/// Each iteration is 100,000 calls into a queue with room for all of them (drained between iterations, unmeasured), so
/// this is the caller's cost while the writer runs beside it, not the writer's pace (<see cref="RecordBenchmarks.Record"/>).
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(100_000, 1)]
public class ChatClientMiddlewareBenchmarks
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Say hello.")];
    private TokenTracker _tracker = null!;
    private IChatClient _bare = null!, _tokenTrace = null!, _openTelemetry = null!;
    private ActivityListener? _listener;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _tracker = new TokenTracker(new DiscardingLedger(), new TokenTrackerOptions { Batching = { QueueCapacity = 1 << 20 } });
        _bare = new ImmediateClient();
        _tokenTrace = _bare.AsBuilder().UseTokenTrace(_tracker).Build();
        _openTelemetry = _bare.AsBuilder().UseOpenTelemetry(sourceName: "bench").Build();
        if (Listening)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "bench",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_listener);
        }
    }

    [IterationSetup]
    public void Drain() => _tracker.FlushAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _tracker.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(Messages);

    [Benchmark]
    public Task<ChatResponse> TokenTrace() => _tokenTrace.GetResponseAsync(Messages);

    [Benchmark]
    public Task<ChatResponse> OpenTelemetry() => _openTelemetry.GetResponseAsync(Messages);

    private sealed class ImmediateClient : IChatClient
    {
        private static readonly ChatClientMetadata Metadata = new("openai", null, "gpt-4o-mini");
        private readonly Task<ChatResponse> _response = Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hello there."))
        {
            ModelId = "gpt-4o-mini-2024-07-18",
            Usage = new UsageDetails { InputTokenCount = 1200, CachedInputTokenCount = 1024, OutputTokenCount = 300, ReasoningTokenCount = 128, TotalTokenCount = 1500 },
        });

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => _response;

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(ChatClientMetadata) ? Metadata : null;

        public void Dispose()
        {
        }
    }

    private sealed class DiscardingLedger : IUsageLedger
    {
        public string Spec => "discard:";

        public Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) => Task.FromResult(new AppendResult(records.Count, 0));

        public IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<UsageRecord>();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
