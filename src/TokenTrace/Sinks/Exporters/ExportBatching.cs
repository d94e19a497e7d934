namespace TokenTrace;

/// <summary>
/// How an exporter queues and batches records: a bounded queue the caller never waits on (a full queue drops the new
/// record and counts it), batches of up to <see cref="BatchSize"/> records sent at least every <see cref="Interval"/>,
/// and a drain of at most <see cref="DrainTimeout"/> when the exporter stops.
/// </summary>
public sealed class ExportBatching
{
    /// <summary>Records waiting to be exported; when full, new records are dropped and counted. 10,000 by default.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>The most records in one batch. 100 by default.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>How long a record may wait for its batch to fill before the batch is sent anyway. 5 s by default.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long stopping waits for queued records to go out; what is left then is dropped and counted. 10 s by default.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Capacity, nameof(Capacity));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Interval, TimeSpan.Zero, nameof(Interval));
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainTimeout, TimeSpan.Zero, nameof(DrainTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Interval, TimeSpan.FromDays(1), nameof(Interval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DrainTimeout, TimeSpan.FromDays(1), nameof(DrainTimeout));
    }

    internal ExportBatching Copy() => new() { Capacity = Capacity, BatchSize = BatchSize, Interval = Interval, DrainTimeout = DrainTimeout };
}
