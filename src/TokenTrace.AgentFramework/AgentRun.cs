using TokenTrace.Extensions.AI;

namespace TokenTrace.AgentFramework;

/// <summary>What <see cref="TokenTraceAgent"/> knows about a run while it goes: its attribution, its clock and the calls recorded beneath it.</summary>
internal sealed class AgentRun(string id, Attribution attribution, DateTimeOffset timestamp, long startTicks)
{
    public string Id { get; } = id;

    /// <summary>The agent, session and run, over the attribution in effect where the run started.</summary>
    public Attribution Attribution { get; } = attribution;

    public DateTimeOffset Timestamp { get; } = timestamp;

    public long StartTicks { get; } = startTicks;

    /// <summary>Model calls an instrumented chat client recorded during the run: when there are any, the run records nothing itself.</summary>
    public RecordedCallScope Calls { get; } = new();

    /// <summary>Enters the run's ambient attribution and call count, for one step of the run.</summary>
    public Entered Enter() => new(UsageScope.Begin(Attribution), Calls.Enter());

    /// <summary>Leaves the run's ambient state, innermost first.</summary>
    internal readonly struct Entered(IDisposable scope, IDisposable calls) : IDisposable
    {
        public void Dispose()
        {
            calls.Dispose();
            scope.Dispose();
        }
    }
}
