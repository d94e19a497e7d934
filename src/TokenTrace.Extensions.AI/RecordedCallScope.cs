namespace TokenTrace.Extensions.AI;

/// <summary>
/// Counts the model calls that <see cref="TokenTraceChatClient"/> records while the scope is entered, so that an outer
/// layer that could record the same usage again (an agent run, a Semantic Kernel function) knows the calls beneath it
/// are already in the ledger and stands back.
/// </summary>
/// <remarks>
/// <para>The count is ambient, like <see cref="UsageScope"/>: it flows across <c>await</c>, into tool calls and parallel
/// tasks started inside. Only the nearest entered scope counts a call, so each layer learns about the calls made
/// directly beneath it, not those of a nested layer that answers for its own.</para>
/// <para>An async iterator does not keep ambient values across <c>yield</c>: a streaming layer enters its scope again
/// around each step of the stream it wraps.</para>
/// </remarks>
public sealed class RecordedCallScope
{
    private static readonly AsyncLocal<RecordedCallScope?> Nearest = new();
    private int _count;

    /// <summary>The model calls recorded by <see cref="TokenTraceChatClient"/> while this scope was the nearest entered one.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Makes this scope the nearest one for the code that runs until the result is disposed.</summary>
    public IDisposable Enter()
    {
        var previous = Nearest.Value;
        Nearest.Value = this;
        return new Exit(previous);
    }

    /// <summary>Notes a recorded call in the nearest entered scope, if any: one ambient read when there is none.</summary>
    internal static void NoteRecordedCall()
    {
        if (Nearest.Value is { } scope)
        {
            Interlocked.Increment(ref scope._count);
        }
    }

    private sealed class Exit(RecordedCallScope? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Nearest.Value = previous;
            }
        }
    }
}
