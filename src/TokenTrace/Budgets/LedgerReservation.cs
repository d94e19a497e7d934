using System.Globalization;

namespace TokenTrace;

/// <summary>Room held in a budget by a call in flight, stored in the ledger (see <see cref="IBudgetReservations"/>).</summary>
/// <param name="Id">A unique id, used to settle it.</param>
/// <param name="Budget">The budget's name.</param>
/// <param name="Amount">The room held, in the budget's unit.</param>
/// <param name="CreatedAt">When it was taken.</param>
/// <param name="ExpiresAt">When it stops counting if never settled.</param>
/// <param name="Holder">Who took it: <c>machine:process-id</c>.</param>
public sealed record LedgerReservation(string Id, string Budget, decimal Amount, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string Holder)
{
    /// <summary>The default time to live: long enough for a slow model call, short enough that a crashed process frees its room soon.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromMinutes(10);

    /// <summary>This process, as a <see cref="Holder"/>.</summary>
    public static string CurrentHolder { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");

    /// <summary>A new reservation with a fresh id, held by this process.</summary>
    public static LedgerReservation Create(string budget, decimal amount, DateTimeOffset now, TimeSpan ttl) =>
        new(Guid.NewGuid().ToString("N"), budget, DecimalCanonical.Trim(amount), now, now + ttl, CurrentHolder);

    /// <summary>Whether it still holds room at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => ExpiresAt > now;

    /// <summary>Checks the arguments every <see cref="IBudgetReservations.TryReserveAsync"/> takes.</summary>
    /// <exception cref="ArgumentException">A negative amount or a time to live that is not positive.</exception>
    public static void ValidateRequest(Budget budget, decimal amount, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
    }
}
