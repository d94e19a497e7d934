namespace TokenTrace;

/// <summary>
/// Room reserved in every budget a call falls under, taken before the call. <see cref="SettleAsync"/> (or
/// <see cref="Settle"/>) replaces the estimate with the real usage after the call; disposing without settling (the call
/// failed) releases it.
/// </summary>
/// <remarks>
/// When the enforcer reserves in the ledger (<see cref="BudgetEnforcer.ReservesInLedger"/>), settling waits until the
/// real record is in the ledger (the enforcer's flush) and then removes the reservation there: until it is removed, the
/// call is counted at least once. <see cref="Settle"/> and <see cref="Dispose"/> do that work synchronously; prefer
/// <see cref="SettleAsync"/> and <c>await using</c>.
/// </remarks>
public sealed class BudgetReservation : IDisposable, IAsyncDisposable
{
    private readonly BudgetEnforcer _owner;
    private readonly UsageRecord _estimate;
    private readonly IReadOnlyList<string> _ledgerReservations;
    private int _done;

    internal BudgetReservation(BudgetEnforcer owner, UsageRecord estimate, IReadOnlyList<string> ledgerReservations)
    {
        _owner = owner;
        _estimate = estimate;
        _ledgerReservations = ledgerReservations;
    }

    /// <summary>The ids of the reservations held in the ledger (one per hard budget the call falls under); empty when reservations are in-process.</summary>
    public IReadOnlyList<string> LedgerReservationIds => _ledgerReservations;

    /// <summary>Replaces the reserved estimate with <paramref name="actual"/>, which the caller records in the ledger (through the enforcer's tracker, or before calling this).</summary>
    public async Task SettleAsync(UsageRecord actual, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actual);
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return;
        }

        if (_owner.ReservesInLedger)
        {
            await _owner.ReleaseInLedgerAsync(_ledgerReservations, recorded: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _owner.Release(_estimate, actual);
        }
    }

    /// <summary>Replaces the reserved estimate with <paramref name="actual"/> (which the caller records in the ledger); blocks while a ledger reservation is removed.</summary>
    public void Settle(UsageRecord actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        if (_owner.ReservesInLedger)
        {
            // Run off the caller's synchronization context: the flush and the ledger never need it.
            Task.Run(() => SettleAsync(actual)).GetAwaiter().GetResult();
        }
        else if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _owner.Release(_estimate, actual);
        }
    }

    /// <summary>Releases the reservation if it was not settled.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return;
        }

        if (_owner.ReservesInLedger)
        {
            await _owner.TryReleaseInLedgerAsync(_ledgerReservations).ConfigureAwait(false);
        }
        else
        {
            _owner.Release(_estimate, null);
        }
    }

    /// <summary>Releases the reservation if it was not settled (blocks while a ledger reservation is removed).</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _done) != 0)
        {
            return;
        }

        if (_owner.ReservesInLedger)
        {
            Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();
        }
        else if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _owner.Release(_estimate, null);
        }
    }
}
