namespace TokenTrace;

/// <summary>
/// A call's usage, handed to <see cref="TokenTracker.RecordLaterAsync"/> to be made into a record — validated,
/// attributed, priced — on the tracker's writer thread instead of the caller's, so recording costs the call one queue
/// write. Subclass it with the facts the call produced (counts, model, status, latency) and build the record in
/// <see cref="Create"/>.
/// </summary>
/// <remarks>
/// <para><see cref="Create"/> runs later and on another thread: it must use only what the instance holds, never ambient
/// state, and what it holds must not change after the call — copy counts out of objects the caller or a library may
/// still modify (M.E.AI's function invocation adds later calls' usage into the first response's). The ambient
/// <see cref="UsageScope"/> is captured for it when the record is handed over.</para>
/// <para>An instance is recorded once: handing it over twice throws.</para>
/// </remarks>
public abstract class PendingUsageRecord
{
    private TokenTracker? _tracker;
    private Attribution _scope = Attribution.None;

    /// <summary>
    /// Builds the record from what this instance holds. Runs on the tracker's writer thread (or on the caller's, when the
    /// record must be observed there). An exception is logged and the record is not stored; it never reaches the caller.
    /// </summary>
    protected abstract UsageRecord Create();

    /// <summary>Calls <see cref="Create"/> for the tracker.</summary>
    internal UsageRecord Make() => Create();

    /// <summary>The tracker that will record this, and the caller's scope, taken on the caller's thread.</summary>
    internal void Attach(TokenTracker tracker, Attribution scope)
    {
        if (Interlocked.CompareExchange(ref _tracker, tracker, null) is not null)
        {
            throw new InvalidOperationException("This pending usage record was already handed to a tracker; create one per call.");
        }

        _scope = scope;
    }

    /// <summary>The caller's <see cref="UsageScope"/> when the record was handed over.</summary>
    internal Attribution Scope => _scope;

    /// <summary>Makes and accepts the record (see <see cref="TokenTracker"/>); null when it could not be made.</summary>
    internal UsageRecord? Resolve() => _tracker!.Resolve(this);
}
