using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>
/// Budget reservations in <c>budget_reservations</c>: the spend check and the insert run in one transaction that first
/// takes a transaction-scoped advisory lock on the budget's name, so every process on every machine that reserves against
/// the same budget waits its turn, and each sees the reservations and records the others committed before it.
/// </summary>
public sealed partial class PostgreSqlUsageLedger
{
    /// <inheritdoc/>
    public Task<BudgetReservationResult> TryReserveAsync(Budget budget, BudgetWindow window, decimal amount, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LedgerReservation.ValidateRequest(budget, amount, ttl);

        // The same filter and summary as every other read of this budget's spend (BudgetEvaluator.QueryFor), not a copy.
        var query = BudgetEvaluator.QueryFor(budget, window);
        var rollup = RollupFor(query, [], TimeZoneInfo.Utc);
        return RunAsync(async connection =>
        {
            // No fold here, and no wait for one: the spend check reads the records past the watermark as rows (exact, see
            // PostgreSqlRollups.Covering); the tail is kept short by the folds appends and summaries start.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // The lock is taken by its own statement: under READ COMMITTED every later statement reads a snapshot taken after
            // the lock was granted, so it sees everything the previous holder committed (and, read in the order below,
            // everything a settling call committed). A row lock (SELECT … FOR UPDATE on a
            // budget row) would need the row to exist; the advisory lock works for a budget known only to the caller.
            await using (var lockBudget = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('tokentrace.budget:' || @b, 0))", connection, transaction))
            {
                lockBudget.Parameters.AddWithValue("b", budget.Name);
                await lockBudget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Shared with other reservations, exclusive of a fold's commit only: no fold commits between reading the
            // watermark and the spend (see PostgreSqlRollups.Covering), and a fold under way goes on with its work; it
            // waits for this transaction before it commits, and this one waits at most for a fold's commit.
            await using (var folds = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock_shared({PostgreSqlSchema.FoldCommitLockKey})"), connection, transaction))
            {
                await folds.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var expired = new NpgsqlCommand("DELETE FROM budget_reservations WHERE expires <= @now", connection, transaction))
            {
                expired.Parameters.AddWithValue("now", now.UtcTicks);
                await expired.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Reservations first, spend second. Each statement reads its own snapshot (READ COMMITTED), and another process
            // stores its call's record and only then removes its reservation, both without this lock. Read in the other
            // order, a call that committed its record after the spend was read and removed its reservation before the
            // reservations were read would be in neither sum (eight processes against $1 spent $1.05 in CI). In this
            // order a call missing from the reservations had already removed its reservation, so its record was
            // committed before the spend is read: it is counted at least once (twice at worst, which only refuses early).
            decimal inFlight;
            await using (var held = new NpgsqlCommand("SELECT COALESCE(SUM(amount), 0) FROM budget_reservations WHERE budget = @b", connection, transaction))
            {
                held.Parameters.AddWithValue("b", budget.Name);
                inFlight = (decimal)(await held.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var totals = new UsageSummaryBuilder([], TimeZoneInfo.Utc);
            await SummarizeAsync(connection, transaction, query, [], TimeZoneInfo.Utc, null, totals, rollup, cancellationToken).ConfigureAwait(false);
            var spend = budget.SpendOf(totals.Build().Total);

            LedgerReservation? reservation = null;
            if (budget.Admits(spend + inFlight, amount))
            {
                reservation = LedgerReservation.Create(budget.Name, amount, now, ttl);
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO budget_reservations (id, budget, amount, created, expires, holder) VALUES (@id, @b, @a, @c, @e, @h)", connection, transaction);
                insert.Parameters.AddWithValue("id", reservation.Id);
                insert.Parameters.AddWithValue("b", reservation.Budget);
                insert.Parameters.Add(new NpgsqlParameter("a", NpgsqlDbType.Numeric) { Value = reservation.Amount });
                insert.Parameters.AddWithValue("c", reservation.CreatedAt.UtcTicks);
                insert.Parameters.AddWithValue("e", reservation.ExpiresAt.UtcTicks);
                insert.Parameters.AddWithValue("h", reservation.Holder);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new BudgetReservationResult(reservation, spend, DecimalCanonical.Trim(inFlight));
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> SettleAsync(string reservationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reservationId);
        return RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM budget_reservations WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", reservationId);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<LedgerReservation>> ListReservationsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<LedgerReservation>>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT id, budget, amount, created, expires, holder FROM budget_reservations ORDER BY created, id", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var reservations = new List<LedgerReservation>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                reservations.Add(new LedgerReservation(
                    reader.GetString(0),
                    reader.GetString(1),
                    DecimalCanonical.Trim(reader.GetDecimal(2)),
                    new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                    new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
                    reader.GetString(5)));
            }

            return reservations;
        }, cancellationToken);
}
