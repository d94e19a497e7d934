namespace TokenTrace;

/// <summary>
/// In-process enforcement of hard budgets: <see cref="ReserveAsync"/> before a call checks every budget the call falls
/// under and reserves its estimated usage; the reservation is settled with the real usage after the call. Reservations
/// are taken one at a time, so concurrent callers cannot together pass a limit by more than one reservation.
/// </summary>
/// <remarks>
/// Spend comes from the ledger, read when a period starts and every <c>refreshInterval</c>; between reads, the
/// enforcer adds what its own callers settled. Before each read it calls <c>flush</c> (such as
/// <see cref="TokenTracker.FlushAsync"/>) so settled calls are in the ledger and not counted twice.
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
    }

    /// <summary>An enforcer for a tracker's ledger, flushing the tracker before each ledger read.</summary>
    public static BudgetEnforcer For(TokenTracker tracker, IEnumerable<Budget> budgets, TimeSpan? refreshInterval = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        return new BudgetEnforcer(tracker.Ledger, budgets, tracker.FlushAsync, refreshInterval: refreshInterval);
    }

    /// <summary>The budgets enforced.</summary>
    public IReadOnlyList<Budget> Budgets => _budgets;

    /// <summary>
    /// Checks every budget <paramref name="estimate"/> falls under and reserves its usage (cost, tokens or CO2e, as each
    /// budget counts). Dispose the result if the call fails; settle it with the real record if it succeeds.
    /// </summary>
    /// <exception cref="BudgetExceededException">A hard budget has no room for the estimate.</exception>
    public async Task<BudgetReservation> ReserveAsync(UsageRecord estimate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(estimate);
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
                            state.Window.Resets ? state.Window.End : null);
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

            return new BudgetReservation(this, estimate);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The current status of every budget (spend includes settled calls not yet read back from the ledger).</summary>
    public async Task<IReadOnlyList<BudgetStatus>> StatusAsync(CancellationToken cancellationToken = default)
    {
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
                    statuses.Add(new BudgetStatus(budget, state.Window, spend, BudgetEvaluator.Project(budget, state.Window, spend, now), now));
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
}
