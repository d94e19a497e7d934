namespace TokenTrace;

/// <summary>
/// Enforcement of hard budgets: <see cref="ReserveAsync"/> before a call checks every budget the call falls under and
/// reserves its estimated usage; the reservation is settled with the real usage after the call.
/// </summary>
/// <remarks>
/// <para>
/// When the ledger keeps reservations (<see cref="IBudgetReservations"/>: SQLite, JSONL and CSV do), each reservation is
/// taken in the ledger, in one transaction with the spend check, so the limit holds across processes and machines: a hard
/// budget is never exceeded by more than what calls really cost beyond what they reserved. Settling waits for
/// <c>flush</c> (such as <see cref="TokenTracker.FlushAsync"/>) so the record is in the ledger before its reservation is
/// removed. A reservation never settled (the process died) stops counting after <see cref="ReservationTimeToLive"/>.
/// </para>
/// <para>
/// Otherwise (a ledger without that capability) reservations live in this process: taken one at a time, so concurrent
/// callers of this enforcer cannot together pass a limit by more than one reservation, but other processes' calls in
/// flight are not seen. Spend comes from the ledger, read when a period starts and every <c>refreshInterval</c>; between
/// reads, the enforcer adds what its own callers settled. Before each read it calls <c>flush</c> so settled calls are in
/// the ledger and not counted twice.
/// </para>
/// </remarks>
public sealed class BudgetEnforcer : IDisposable
{
    private readonly IUsageLedger _ledger;
    private readonly IReadOnlyList<Budget> _budgets;
    private readonly Func<CancellationToken, Task>? _flush;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshInterval;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _counters = new();
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);
    private readonly IBudgetReservations? _reservations;
    private readonly TimeSpan _reservationTimeToLive = LedgerReservation.DefaultTimeToLive;

    /// <summary>Creates an enforcer over <paramref name="budgets"/> (soft ones are tracked but never refuse).</summary>
    public BudgetEnforcer(IUsageLedger ledger, IEnumerable<Budget> budgets, Func<CancellationToken, Task>? flush = null, TimeProvider? time = null, TimeSpan? refreshInterval = null)
    {
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _budgets = [.. budgets ?? throw new ArgumentNullException(nameof(budgets))];
        foreach (var budget in _budgets)
        {
            budget.Validate();
        }

        _flush = flush;
        _time = time ?? TimeProvider.System;
        _refreshInterval = refreshInterval ?? TimeSpan.FromSeconds(30);
        _reservations = ledger.GetService<IBudgetReservations>();
    }

    /// <summary>An enforcer for a tracker's ledger, flushing the tracker before each ledger read.</summary>
    public static BudgetEnforcer For(TokenTracker tracker, IEnumerable<Budget> budgets, TimeSpan? refreshInterval = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        return new BudgetEnforcer(tracker.Ledger, budgets, tracker.FlushAsync, refreshInterval: refreshInterval);
    }

    /// <summary>The budgets enforced.</summary>
    public IReadOnlyList<Budget> Budgets => _budgets;

    /// <summary>Whether reservations are kept in the ledger (shared by every process), rather than in this process.</summary>
    public bool ReservesInLedger => _reservations is not null;

    /// <summary>
    /// How long a reservation in the ledger holds room if it is never settled (its process died): 10 minutes unless set.
    /// Make it longer than the slowest call, or a call still running when it expires no longer counts until it settles.
    /// </summary>
    public TimeSpan ReservationTimeToLive
    {
        get => _reservationTimeToLive;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _reservationTimeToLive = value;
        }
    }

    /// <summary>
    /// Checks every budget <paramref name="estimate"/> falls under and reserves its usage (cost, tokens or CO2e, as each
    /// budget counts). Dispose the result if the call fails; settle it with the real record if it succeeds.
    /// </summary>
    /// <exception cref="BudgetExceededException">A hard budget has no room for the estimate.</exception>
    public async Task<BudgetReservation> ReserveAsync(UsageRecord estimate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (_reservations is not null)
        {
            return await ReserveInLedgerAsync(_reservations, estimate, cancellationToken).ConfigureAwait(false);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            foreach (var budget in _budgets)
            {
                if (budget.Covers(estimate))
                {
                    await RefreshAsync(budget, now, cancellationToken).ConfigureAwait(false);
                }
            }

            lock (_counters)
            {
                foreach (var budget in _budgets)
                {
                    if (budget.Mode != BudgetMode.Hard || !budget.Covers(estimate))
                    {
                        continue;
                    }

                    var state = _states[budget.Name];
                    var used = state.LedgerSpend + state.Settled + state.InFlight;
                    var amount = budget.SpendOf(estimate);
                    if (used >= budget.Limit || used + amount > budget.Limit)
                    {
                        throw new BudgetExceededException(budget.Name, state.LedgerSpend + state.Settled, state.InFlight + amount, budget.Limit, budget.Unit,
                            ResetsAt(budget, state.Window));
                    }
                }

                foreach (var budget in _budgets)
                {
                    if (budget.Covers(estimate))
                    {
                        _states[budget.Name].InFlight += budget.SpendOf(estimate);
                    }
                }
            }

            return new BudgetReservation(this, estimate, []);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The current status of every budget, with the room held by calls in flight in <see cref="BudgetStatus.Reserved"/>
    /// (in-process reservations: spend also includes settled calls not yet read back from the ledger).
    /// </summary>
    public async Task<IReadOnlyList<BudgetStatus>> StatusAsync(CancellationToken cancellationToken = default)
    {
        if (_reservations is not null)
        {
            if (_flush is not null)
            {
                await _flush(cancellationToken).ConfigureAwait(false);
            }

            var at = _time.GetUtcNow();
            var fromLedger = new List<BudgetStatus>(_budgets.Count);
            foreach (var budget in _budgets)
            {
                fromLedger.Add(await BudgetEvaluator.EvaluateAsync(_ledger, budget, at, cancellationToken).ConfigureAwait(false));
            }

            return fromLedger;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var statuses = new List<BudgetStatus>();
            foreach (var budget in _budgets)
            {
                await RefreshAsync(budget, now, cancellationToken).ConfigureAwait(false);
                lock (_counters)
                {
                    var state = _states[budget.Name];
                    var spend = state.LedgerSpend + state.Settled;
                    statuses.Add(new BudgetStatus(budget, state.Window, spend, BudgetEvaluator.Project(budget, state.Window, spend, now), now) { Reserved = state.InFlight });
                }
            }

            return statuses;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// Removes reservations taken in the ledger: after <c>flush</c> when a call was recorded (so its record counts before
    /// its reservation stops counting), at once when it failed.
    /// </summary>
    internal async Task ReleaseInLedgerAsync(IReadOnlyList<string> reservationIds, bool recorded, CancellationToken cancellationToken)
    {
        if (recorded && _flush is not null)
        {
            await _flush(cancellationToken).ConfigureAwait(false);
        }

        foreach (var id in reservationIds)
        {
            await _reservations!.SettleAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Releases reservations of a call that did not happen; one the ledger cannot remove now holds room until it expires.</summary>
    internal async Task TryReleaseInLedgerAsync(IReadOnlyList<string> reservationIds)
    {
        try
        {
            await ReleaseInLedgerAsync(reservationIds, recorded: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or LedgerFormatException or UnauthorizedAccessException)
        {
            // Only room is held, never spend let through, and it expires after the time to live.
        }
    }

    internal void Release(UsageRecord estimate, UsageRecord? actual)
    {
        lock (_counters)
        {
            foreach (var budget in _budgets)
            {
                if (!_states.TryGetValue(budget.Name, out var state))
                {
                    continue;
                }

                if (budget.Covers(estimate))
                {
                    state.InFlight -= budget.SpendOf(estimate);
                }

                if (actual is not null && budget.Covers(actual))
                {
                    state.Settled += budget.SpendOf(actual);
                }
            }
        }
    }

    private async Task<BudgetReservation> ReserveInLedgerAsync(IBudgetReservations reservations, UsageRecord estimate, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var taken = new List<string>();
        try
        {
            // One reservation per hard budget, each in its own transaction: a refusal releases those already taken, which
            // until then only held room (never let spend through).
            foreach (var budget in _budgets)
            {
                if (budget.Mode != BudgetMode.Hard || !budget.Covers(estimate))
                {
                    continue;
                }

                var window = budget.Period.WindowAt(now, budget.ResolveTimeZone());
                var amount = budget.SpendOf(estimate);
                var result = await reservations.TryReserveAsync(budget, window, amount, now, _reservationTimeToLive, cancellationToken).ConfigureAwait(false);
                if (result.Reservation is not { } reservation)
                {
                    throw new BudgetExceededException(budget.Name, result.Spend, result.InFlight + amount, budget.Limit, budget.Unit, ResetsAt(budget, window));
                }

                taken.Add(reservation.Id);
            }
        }
        catch when (taken.Count > 0)
        {
            await TryReleaseInLedgerAsync(taken).ConfigureAwait(false);
            throw;
        }

        return new BudgetReservation(this, estimate, taken);
    }

    private async Task RefreshAsync(Budget budget, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var window = budget.Period.WindowAt(now, budget.ResolveTimeZone());
        State? state;
        lock (_counters)
        {
            _states.TryGetValue(budget.Name, out state);
        }

        var newPeriod = state is null || (budget.Period.RollingDays == 0 && state.Window != window);
        if (!newPeriod && now - state!.ReadAt < _refreshInterval)
        {
            if (budget.Period.RollingDays > 0)
            {
                state.Window = window;
            }

            return;
        }

        // Calls settled before the flush are in the ledger after it; calls settled later are not, and stay counted.
        decimal settledBeforeFlush;
        lock (_counters)
        {
            settledBeforeFlush = state?.Settled ?? 0;
        }

        if (_flush is not null)
        {
            await _flush(cancellationToken).ConfigureAwait(false);
        }

        var status = await BudgetEvaluator.EvaluateAsync(_ledger, budget, now, cancellationToken).ConfigureAwait(false);
        lock (_counters)
        {
            if (state is null)
            {
                _states[budget.Name] = new State { Window = window, LedgerSpend = status.Spend, ReadAt = now };
            }
            else
            {
                state.Window = window;
                state.LedgerSpend = status.Spend;
                state.Settled = newPeriod && budget.Period.RollingDays == 0 ? 0 : state.Settled - settledBeforeFlush;
                state.ReadAt = now;
            }
        }
    }

    private sealed class State
    {
        public BudgetWindow Window { get; set; }

        public decimal LedgerSpend { get; set; }

        public decimal Settled { get; set; }

        public decimal InFlight { get; set; }

        public DateTimeOffset ReadAt { get; set; }
    }

    /// <summary>When <paramref name="window"/> resets; a rolling window never does (its end is only "now").</summary>
    private static DateTimeOffset? ResetsAt(Budget budget, BudgetWindow window) =>
        budget.Period.RollingDays == 0 && window.Resets ? window.End : null;
}
