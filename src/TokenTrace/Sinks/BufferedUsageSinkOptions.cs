namespace TokenTrace;

/// <summary>How a <see cref="BufferedUsageSink"/> queues, retries and drains.</summary>
public sealed class BufferedUsageSinkOptions
{
    /// <summary>Records waiting for the sink; when full, new records are dropped and counted, never waited for.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>Attempts to hand one record to the sink before it is dropped and counted.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The first retry delay; later ones double.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long disposing waits for queued records to reach the sink; what is left then is dropped and counted.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Capacity, nameof(Capacity));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAttempts, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainTimeout, TimeSpan.Zero, nameof(DrainTimeout));
    }
}
