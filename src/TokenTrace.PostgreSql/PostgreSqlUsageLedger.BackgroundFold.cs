namespace TokenTrace.PostgreSql;

/// <summary>
/// The fold an append starts when it leaves the tail past the watermark long (<see cref="CatchUpAfter"/>): it runs after
/// the append returned, on the thread pool, one at a time per ledger object, so no appender (a team server's
/// <c>POST /v1/records</c>, a pusher) waits the seconds a fold of 100,000 records takes. Summaries stay exact meanwhile:
/// they read the tail as rows.
/// </summary>
public sealed partial class PostgreSqlUsageLedger
{
    private readonly Lock _foldState = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _backgroundFold = Task.CompletedTask;
    private bool _folding;
    private bool _foldAgain;
    private bool _stopped;

    /// <summary>
    /// Awaited by the background fold before it starts, with the token disposal cancels: a test holds the fold here to
    /// see that the append returned without it. Null (nothing awaited) outside tests.
    /// </summary>
    internal Func<CancellationToken, Task>? BeforeBackgroundFold { get; init; }

    /// <summary>A task that completes when no background fold is running or due (tests wait on it instead of sleeping).</summary>
    internal Task BackgroundFoldIdle
    {
        get
        {
            lock (_foldState)
            {
                return _backgroundFold;
            }
        }
    }

    /// <summary>
    /// Starts a fold in the background unless one is running, in which case that one checks the tail again when it ends
    /// (an append that committed after its barrier is not in it). Never throws, never waits.
    /// </summary>
    private void FoldInBackground()
    {
        lock (_foldState)
        {
            if (_stopped)
            {
                return;
            }

            if (_folding)
            {
                _foldAgain = true;
                return;
            }

            _folding = true;
            _backgroundFold = Task.Run(RunBackgroundFoldsAsync);
        }
    }

    /// <summary>
    /// Folds until no append asked for another fold meanwhile and the last fold did not stop at its limit
    /// (<see cref="AutomaticFoldLimit"/>) with a long tail behind it; every error stays here (the appends are committed).
    /// </summary>
    private async Task RunBackgroundFoldsAsync()
    {
        var again = false;
        while (true)
        {
            var moreBehind = false;
            try
            {
                if (BeforeBackgroundFold is { } hold)
                {
                    await hold(_stopping.Token).ConfigureAwait(false);
                }

                await RunAsync(async connection =>
                {
                    // A repeat runs only if the tail is still long: the fold that just ended may have taken it all.
                    if (!again || await TailLengthAsync(connection, _stopping.Token).ConfigureAwait(false) >= CatchUpAfter)
                    {
                        moreBehind = await AutomaticCatchUpAsync(connection, _stopping.Token).ConfigureAwait(false);
                    }

                    return 0;
                }, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Nothing is lost: the sums and the watermark move together or not at all, and summaries read the tail as
                // rows until a later fold succeeds. Disposal cancels a fold under way, which rolls back whole.
            }

            lock (_foldState)
            {
                if ((!_foldAgain && !moreBehind) || _stopped)
                {
                    _folding = false;
                    return;
                }

                _foldAgain = false;
                again = true;
            }
        }
    }

    /// <summary>
    /// Stops background folds: none starts from now on, one under way is cancelled (its transaction rolls back) and
    /// awaited. False when the ledger was already stopped (disposed).
    /// </summary>
    private async Task<bool> StopBackgroundFoldAsync()
    {
        Task running;
        lock (_foldState)
        {
            if (_stopped)
            {
                return false;
            }

            _stopped = true;
            running = _backgroundFold;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);
        _stopping.Dispose();
        return true;
    }
}
