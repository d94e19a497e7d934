using TokenTrace.Extensions.AI;

namespace TokenTrace.SemanticKernel;

/// <summary>One kernel function invocation as the filter follows it: its attribution, clock, and the model calls an instrumented chat client recorded inside it.</summary>
internal sealed class KernelInvocation(string function, Attribution attribution, DateTimeOffset timestamp, long startTicks, bool isStreaming)
{
    private static readonly AsyncLocal<KernelInvocation?> CurrentValue = new();

    /// <summary>The innermost invocation entered here, for the auto-function-invocation filter.</summary>
    public static KernelInvocation? Current => CurrentValue.Value;

    public string Function { get; } = function;

    /// <summary>The ambient attribution where the invocation started, with the function's tag.</summary>
    public Attribution Attribution { get; } = attribution;

    public DateTimeOffset Timestamp { get; } = timestamp;

    public long StartTicks { get; } = startTicks;

    public bool IsStreaming { get; } = isStreaming;

    /// <summary>Model calls recorded by <c>UseTokenTrace()</c> on a chat client beneath: when there are any, the filter records nothing itself.</summary>
    public RecordedCallScope Calls { get; } = new();

    /// <summary>Enters the invocation's attribution and call count for the code that runs until disposed (the call, or one step of its stream).</summary>
    public Entered Enter()
    {
        var previous = CurrentValue.Value;
        CurrentValue.Value = this;
        return new Entered(UsageScope.Begin(Attribution), Calls.Enter(), previous);
    }

    /// <summary>Leaves the invocation's ambient state, innermost first.</summary>
    internal readonly struct Entered(IDisposable scope, IDisposable calls, KernelInvocation? previous) : IDisposable
    {
        public void Dispose()
        {
            CurrentValue.Value = previous;
            calls.Dispose();
            scope.Dispose();
        }
    }
}
