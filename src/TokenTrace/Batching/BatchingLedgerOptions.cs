using System.Globalization;

namespace TokenTrace;

/// <summary>How a <see cref="BatchingUsageLedger"/> queues, writes, retries, spills and flushes on exit.</summary>
public sealed class BatchingLedgerOptions
{
    /// <summary>Records waiting to be written; when the queue is full, callers wait up to <see cref="EnqueueTimeout"/>.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>The most records written to the ledger at once.</summary>
    public int BatchSize { get; set; } = 1_024;

    /// <summary>
    /// How long the writer lets records gather once the first one woke it, unless <see cref="BatchSize"/> are waiting, a
    /// flush is asked for or the ledger closes: 20 ms by default. During a burst, callers' records then go into the queue
    /// without waking the writer each time (a thread-pool hand-off that costs the caller more than the rest of recording),
    /// and the ledger gets fuller batches; the first record after the writer went idle still wakes it. Zero writes as
    /// soon as anything arrives.
    /// </summary>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Attempts for one batch before it spills.</summary>
    public int MaxWriteAttempts { get; set; } = 5;

    /// <summary>The first retry delay; later ones double up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest retry delay.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a caller waits for room when the queue is full (back-pressure) before its record is spilled instead.
    /// Zero spills at once.
    /// </summary>
    public TimeSpan EnqueueTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The folder where records that could not reach the ledger are kept, one file per process, and replayed into the
    /// ledger by the next writer that starts (ids make the replay idempotent). Null uses a folder of this ledger's own
    /// under the user's local application data (<see cref="BatchingUsageLedger.DefaultSpillDirectory"/>), so spilling is always on.
    /// </summary>
    public string? SpillDirectory { get; set; }

    /// <summary>Whether queued records are written (or spilled) when the process exits, on SIGTERM and on Ctrl-C.</summary>
    public bool FlushOnExit { get; set; } = true;

    /// <summary>How long an exiting process waits for queued records to be written before spilling the rest.</summary>
    public TimeSpan ExitGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether ledger failures and lost records surface as exceptions from <c>FlushAsync</c> and disposal. Off by default:
    /// tracking must never break the caller's model call.
    /// </summary>
    public bool ThrowOnLedgerFailure { get; set; }

    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>A copy, so that changing these options after a ledger was built cannot bypass <see cref="Validate"/>.</summary>
    internal BatchingLedgerOptions Clone() => (BatchingLedgerOptions)MemberwiseClone();

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option.</exception>
    public void Validate()
    {
        Positive(QueueCapacity, nameof(QueueCapacity));
        Positive(BatchSize, nameof(BatchSize));
        Positive(MaxWriteAttempts, nameof(MaxWriteAttempts));
        InRange(BatchDelay, nameof(BatchDelay));
        InRange(RetryDelay, nameof(RetryDelay));
        InRange(MaxRetryDelay, nameof(MaxRetryDelay));
        InRange(EnqueueTimeout, nameof(EnqueueTimeout));
        InRange(ExitGracePeriod, nameof(ExitGracePeriod));
        if (SpillDirectory is { } spill && string.IsNullOrWhiteSpace(spill))
        {
            throw new ArgumentOutOfRangeException(nameof(SpillDirectory), spill, "SpillDirectory must be null (the default folder) or a path");
        }

        static void Positive(int value, string name)
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1");
            }
        }

        // Timers and waits take at most int.MaxValue milliseconds (about 24.8 days); longer would throw at run time.
        static void InRange(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero || value > MaxWait)
            {
                throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be between 0 and {MaxWait.Days} days"));
            }
        }
    }
}
