using System.Buffers;
using System.Text.Json;

namespace TokenTrace;

/// <summary>
/// Budget reservations of a JSONL or CSV ledger: one JSON file beside the budgets file. Every change holds the ledger
/// lock (the one appends take) from reading the records to replacing the file, so the spend check and the reservation
/// are one step that no append, reservation or settlement of another process can come between.
/// </summary>
internal sealed class FileBudgetReservations(string path, FileLedgerEngine engine)
{
    public async Task<BudgetReservationResult> TryReserveAsync(Budget budget, BudgetWindow window, decimal amount, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken)
    {
        LedgerReservation.ValidateRequest(budget, amount, ttl);
        SecureFile.EnsureDirectory(Path.GetDirectoryName(path));
        using var held = await engine.LockAsync(cancellationToken).ConfigureAwait(false);
        var reservations = Load();
        var expired = reservations.RemoveAll(r => !r.IsActiveAt(now));

        // Reads every record of the budget's window: the cost of a decision grows with the records in the period.
        var records = engine.ReadAsync(BudgetEvaluator.QueryFor(budget, window), cancellationToken, lockHeld: true);
        var spend = budget.SpendOf((await UsageSummaries.FromRecordsAsync(records, [], TimeZoneInfo.Utc).ConfigureAwait(false)).Total);
        var inFlight = reservations.Where(r => r.Budget == budget.Name).Sum(r => r.Amount);
        LedgerReservation? reservation = null;
        if (budget.Admits(spend + inFlight, amount))
        {
            reservation = LedgerReservation.Create(budget.Name, amount, now, ttl);
            reservations.Add(reservation);
        }

        if (reservation is not null || expired > 0)
        {
            Save(reservations);
        }

        return new BudgetReservationResult(reservation, spend, inFlight);
    }

    public async Task<bool> SettleAsync(string reservationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reservationId);
        if (!File.Exists(path))
        {
            return false;
        }

        using var held = await engine.LockAsync(cancellationToken).ConfigureAwait(false);
        var reservations = Load();
        if (reservations.RemoveAll(r => r.Id == reservationId) == 0)
        {
            return false;
        }

        Save(reservations);
        return true;
    }

    public async Task<IReadOnlyList<LedgerReservation>> ListAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var held = await engine.LockAsync(cancellationToken).ConfigureAwait(false);
        return Load();
    }

    private List<LedgerReservation> Load()
    {
        var reservations = new List<LedgerReservation>();
        if (!File.Exists(path))
        {
            return reservations;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var r in document.RootElement.GetProperty("reservations").EnumerateArray())
            {
                reservations.Add(new LedgerReservation(
                    r.GetProperty("id").GetString()!,
                    r.GetProperty("budget").GetString()!,
                    r.GetProperty("amount").GetDecimal(),
                    r.GetProperty("created").GetDateTimeOffset(),
                    r.GetProperty("expires").GetDateTimeOffset(),
                    r.GetProperty("holder").GetString()!));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // A hard budget must not pass calls it cannot check: the damage is reported, never read as "nothing in flight".
            throw new LedgerFormatException(new LedgerProblem(path, 0, null, $"the budget reservations file is damaged ({ex.Message}); delete it once no call is in flight"), ex);
        }

        return reservations;
    }

    /// <summary>Replaces the file atomically (a complete temp file, flushed, renamed over it), so a crash leaves the old or the new list.</summary>
    private void Save(List<LedgerReservation> reservations)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("reservations");
            foreach (var r in reservations)
            {
                w.WriteStartObject();
                w.WriteString("id", r.Id);
                w.WriteString("budget", r.Budget);
                w.WriteNumber("amount", r.Amount);
                w.WriteString("created", r.CreatedAt.ToUniversalTime());
                w.WriteString("expires", r.ExpiresAt.ToUniversalTime());
                w.WriteString("holder", r.Holder);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        SecureFile.WriteAllBytesAtomic(path, buffer.WrittenSpan);
    }
}
