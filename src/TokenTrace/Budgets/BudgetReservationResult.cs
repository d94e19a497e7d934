namespace TokenTrace;

/// <summary>The outcome of <see cref="IBudgetReservations.TryReserveAsync"/>.</summary>
/// <param name="Reservation">The stored reservation when granted; null when refused.</param>
/// <param name="Spend">The budget's spend in the window, from the stored records.</param>
/// <param name="InFlight">The budget's live reservations before this one.</param>
public sealed record BudgetReservationResult(LedgerReservation? Reservation, decimal Spend, decimal InFlight)
{
    /// <summary>Whether the reservation was granted.</summary>
    public bool Granted => Reservation is not null;
}
