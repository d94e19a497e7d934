namespace TokenTrace;

/// <summary>
/// Reservations kept in the ledger itself, so that every process (and machine) spending against a hard budget sees the
/// calls the others have in flight. A reservation is taken in the same transaction (or under the same lock) as the spend
/// check, and expires after its time to live, so a process that dies before settling does not block a budget for ever.
/// Found with <c>ledger.GetService&lt;IBudgetReservations&gt;()</c>; SQLite, JSONL and CSV ledgers implement it.
/// </summary>
public interface IBudgetReservations
{
    /// <summary>
    /// Atomically: sums the spend of <paramref name="budget"/> in <paramref name="window"/> from the stored records, adds the
    /// budget's reservations still alive at <paramref name="now"/>, and, when <paramref name="amount"/> fits under the
    /// limit (see <see cref="Budget.Admits"/>), stores a reservation of it that expires at <paramref name="now"/> + <paramref name="ttl"/>.
    /// Expired reservations are removed on the way.
    /// </summary>
    /// <param name="budget">The budget; its scope selects the records counted and its name keys the reservations.</param>
    /// <param name="window">The budget's current period.</param>
    /// <param name="amount">What the call may spend, in the budget's unit (0 or more).</param>
    /// <param name="now">The instant of the decision (expiry is measured from it).</param>
    /// <param name="ttl">How long the reservation holds room if it is never settled.</param>
    /// <param name="cancellationToken">Cancels the wait for the ledger.</param>
    Task<BudgetReservationResult> TryReserveAsync(Budget budget, BudgetWindow window, decimal amount, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a reservation once its call's record is in the ledger (or the call failed): from then on the record, not the
    /// reservation, counts. False when it was already gone (settled, or expired and removed).
    /// </summary>
    Task<bool> SettleAsync(string reservationId, CancellationToken cancellationToken = default);

    /// <summary>The stored reservations, expired ones included until the next reservation removes them.</summary>
    Task<IReadOnlyList<LedgerReservation>> ListReservationsAsync(CancellationToken cancellationToken = default);
}
