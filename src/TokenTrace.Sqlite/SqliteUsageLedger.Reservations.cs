using System.Globalization;
using Microsoft.Data.Sqlite;

namespace TokenTrace.Sqlite;

/// <summary>
/// Budget reservations in the <c>budget_reservations</c> table: the spend check and the insert run in one
/// <c>BEGIN IMMEDIATE</c> transaction, so every process and connection sees the calls the others have in flight.
/// </summary>
public sealed partial class SqliteUsageLedger
{
    /// <inheritdoc/>
    public Task<BudgetReservationResult> TryReserveAsync(Budget budget, BudgetWindow window, decimal amount, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LedgerReservation.ValidateRequest(budget, amount, ttl);

        // The same filter and summary as every other read of this budget's spend (BudgetEvaluator.QueryFor), not a copy.
        var filter = SqliteUsageFilter.From(BudgetEvaluator.QueryFor(budget, window));
        var rollup = CanUseRollup(filter, [], TimeZoneInfo.Utc);
        return RunAsync(write: true, connection => WithShortLockWait(connection, () =>
        {
            // IMMEDIATE takes the write lock before the first read: no other process can append, reserve or settle
            // between the sums below and the insert, so two callers can never both fit into the same room.
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var expired = connection.CreateCommand())
            {
                expired.Transaction = transaction;
                expired.CommandText = "DELETE FROM budget_reservations WHERE expires <= @now";
                expired.Parameters.AddWithValue("@now", now.UtcTicks);
                expired.ExecuteNonQuery();
            }

            var totals = new UsageSummaryBuilder([], TimeZoneInfo.Utc);
            foreach (var (values, part) in SummarizePart(connection, filter, [], TimeZoneInfo.Utc, null, rollup, cancellationToken, transaction))
            {
                totals.Add(values, part);
            }

            var spend = budget.SpendOf(totals.Build().Total);
            var inFlight = 0m;
            using (var held = connection.CreateCommand())
            {
                held.Transaction = transaction;
                held.CommandText = "SELECT amount FROM budget_reservations WHERE budget = @b";
                held.Parameters.AddWithValue("@b", budget.Name);
                using var reader = held.ExecuteReader();
                while (reader.Read())
                {
                    inFlight += decimal.Parse(reader.GetString(0), NumberStyles.Number, CultureInfo.InvariantCulture);
                }
            }

            LedgerReservation? reservation = null;
            if (budget.Admits(spend + inFlight, amount))
            {
                reservation = LedgerReservation.Create(budget.Name, amount, now, ttl);
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO budget_reservations (id, budget, amount, created, expires, holder) VALUES (@id, @b, @a, @c, @e, @h)";
                insert.Parameters.AddWithValue("@id", reservation.Id);
                insert.Parameters.AddWithValue("@b", reservation.Budget);
                insert.Parameters.AddWithValue("@a", reservation.Amount.ToString(CultureInfo.InvariantCulture));
                insert.Parameters.AddWithValue("@c", reservation.CreatedAt.UtcTicks);
                insert.Parameters.AddWithValue("@e", reservation.ExpiresAt.UtcTicks);
                insert.Parameters.AddWithValue("@h", reservation.Holder);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            return new BudgetReservationResult(reservation, spend, inFlight);
        }), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> SettleAsync(string reservationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reservationId);
        return RunAsync(write: true, connection => WithShortLockWait(connection, () =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM budget_reservations WHERE id = @id";
            command.Parameters.AddWithValue("@id", reservationId);
            return command.ExecuteNonQuery() > 0;
        }), cancellationToken);
    }

    /// <summary>How long a reservation or a settlement waits for the write lock, in seconds.</summary>
    /// <remarks>
    /// Both sit in the caller's model call. Another writer may hold the lock for minutes (an <c>import</c> is one
    /// transaction); waiting the ledger's usual 60 s would hold the call, and a thread, that long. After this wait the
    /// reservation fails with an <see cref="IOException"/> saying why, and the caller decides: the tracker lets the call go
    /// ahead unreserved with a warning, as when a team server does not answer in its 2 s (a settlement not made leaves
    /// the reservation to expire).
    /// </remarks>
    private const int ReservationLockWaitSeconds = 2;

    private T WithShortLockWait<T>(SqliteConnection connection, Func<T> work)
    {
        connection.DefaultTimeout = ReservationLockWaitSeconds;
        SetBusyTimeout(connection, ReservationLockWaitSeconds * 1000);
        try
        {
            return work();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"SQLite ledger {Path}: another process has held the write lock for over {ReservationLockWaitSeconds} s (an import or a large sync commits as one transaction); the budget reservation was not taken"), ex);
        }
        finally
        {
            // The connection goes back to the pool: the next user gets the usual wait.
            connection.DefaultTimeout = 60;
            SetBusyTimeout(connection, 60_000);
        }
    }

    private static void SetBusyTimeout(SqliteConnection connection, int milliseconds)
    {
        using var pragma = connection.CreateCommand();
        pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {milliseconds}");
        pragma.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<LedgerReservation>> ListReservationsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<LedgerReservation>>(write: false, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, budget, amount, created, expires, holder FROM budget_reservations ORDER BY created, id";
            var reservations = new List<LedgerReservation>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                reservations.Add(new LedgerReservation(
                    reader.GetString(0),
                    reader.GetString(1),
                    decimal.Parse(reader.GetString(2), NumberStyles.Number, CultureInfo.InvariantCulture),
                    new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                    new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
                    reader.GetString(5)));
            }

            return reservations;
        }, cancellationToken);
}
