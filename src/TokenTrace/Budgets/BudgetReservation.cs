namespace TokenTrace;

/// <summary>
/// Room reserved in every budget a call falls under, taken before the call. <see cref="Settle"/> replaces the estimate
/// with the real usage after the call; disposing without settling (the call failed) releases it.
/// </summary>
public sealed class BudgetReservation : IDisposable
{
    private readonly BudgetEnforcer _owner;
    private readonly UsageRecord _estimate;
    private int _done;

    internal BudgetReservation(BudgetEnforcer owner, UsageRecord estimate)
    {
        _owner = owner;
        _estimate = estimate;
    }

    /// <summary>Replaces the reserved estimate with <paramref name="actual"/> (which the caller records in the ledger).</summary>
    public void Settle(UsageRecord actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _owner.Release(_estimate, actual);
        }
    }

    /// <summary>Releases the reservation if it was not settled.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _owner.Release(_estimate, null);
        }
    }
}
