namespace TokenTrace.TrackerHost;

/// <summary>
/// A ledger wrapper that fails a share of appends: some before storing anything, some after storing (the commit
/// happened but the acknowledgement was lost), as real stores and networks do.
/// </summary>
public sealed class FlakyLedger(IUsageLedger inner, double failBefore, double failAfter, int seed) : DelegatingUsageLedger(inner)
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public long Failures { get; private set; }

    public override async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        double roll;
        lock (_gate)
        {
            roll = _random.NextDouble();
        }

        if (roll < failBefore)
        {
            Count();
            throw new IOException("injected failure before the write");
        }

        var result = await base.AppendAsync(records, cancellationToken);
        if (roll < failBefore + failAfter)
        {
            Count();
            throw new IOException("injected failure after the write");
        }

        return result;
    }

    private void Count()
    {
        lock (_gate)
        {
            Failures++;
        }
    }
}
