namespace TokenTrace;

/// <summary>
/// What an exporter did with the records it was given, counted since it started. Every record handed to an exporter
/// ends up in exactly one of <see cref="Delivered"/>, <see cref="Failed"/> or <see cref="Dropped"/>, or is still
/// <see cref="Pending"/>. The same figures are on the <c>TokenTrace</c> meter as <c>tokentrace.export.records</c>.
/// </summary>
public sealed class ExporterStatistics
{
    private long _received, _delivered, _failed, _dropped, _batches, _failedBatches;

    /// <summary>Records handed to the exporter (queued or dropped at the door).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Records the destination accepted.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Records in batches the destination refused or that could not be written, after the retries.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Records never attempted: the queue was full, or the drain on stop ran out of time.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Batches delivered.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches that failed.</summary>
    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    /// <summary>Records received and not yet delivered, failed or dropped.</summary>
    public long Pending => Received - Delivered - Failed - Dropped;

    internal void AddReceived() => Interlocked.Increment(ref _received);

    internal void AddDelivered(int records)
    {
        Interlocked.Add(ref _delivered, records);
        Interlocked.Increment(ref _batches);
    }

    internal void AddFailed(int records)
    {
        Interlocked.Add(ref _failed, records);
        Interlocked.Increment(ref _failedBatches);
    }

    internal void AddDropped(long records) => Interlocked.Add(ref _dropped, records);
}
