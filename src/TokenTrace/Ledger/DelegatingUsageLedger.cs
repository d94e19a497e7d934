namespace TokenTrace;

/// <summary>
/// A ledger that passes every call to an inner ledger: the base of wrappers that add behaviour (batching, retry,
/// metrics, sinks) around a store, in the manner of <c>DelegatingChatClient</c>. Capabilities the wrapper does not
/// implement itself are found on the inner ledger, so wrapping never hides budgets, maintenance or fast summaries.
/// </summary>
public abstract class DelegatingUsageLedger : IUsageLedger
{
    /// <summary>Wraps <paramref name="innerLedger"/>.</summary>
    protected DelegatingUsageLedger(IUsageLedger innerLedger) =>
        InnerLedger = innerLedger ?? throw new ArgumentNullException(nameof(innerLedger));

    /// <summary>The ledger calls are passed to.</summary>
    protected IUsageLedger InnerLedger { get; }

    /// <inheritdoc/>
    public virtual string Spec => InnerLedger.Spec;

    /// <inheritdoc/>
    public virtual Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default) =>
        InnerLedger.AppendAsync(records, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, CancellationToken cancellationToken = default) =>
        InnerLedger.ReadAsync(query, cancellationToken);

    /// <summary>
    /// Whether a record appended through this wrapper reaches the inner ledger as it is, with no other effect (no sink,
    /// no estimate, no batching), so that writing straight into the inner ledger's <see cref="IUsageBulkAppender"/>
    /// transaction is the same as appending here. False unless a wrapper says so: otherwise a bulk writer would bypass it.
    /// </summary>
    protected virtual bool AppendsPassThrough => false;

    /// <summary>
    /// Returns this wrapper when it is a <paramref name="serviceType"/> (and no key is given), otherwise asks the inner
    /// ledger — except for the inner ledger's <see cref="IUsageBulkAppender"/>, found only when
    /// <see cref="AppendsPassThrough"/>.
    /// </summary>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        return serviceType == typeof(IUsageBulkAppender) && !AppendsPassThrough ? null : InnerLedger.GetService(serviceType, serviceKey);
    }

    /// <summary>Disposes the inner ledger.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return InnerLedger.DisposeAsync();
    }
}
