namespace TokenTrace;

/// <summary>
/// Runs the pipeline's last step, <see cref="UsageRecordPipeline.Estimate"/>, just before records reach the inner
/// ledger: the tracker's writer thread estimates, so the caller's thread only validates, attributes and prices.
/// </summary>
internal sealed class EstimatingUsageLedger(IUsageLedger inner, UsageRecordPipeline pipeline) : DelegatingUsageLedger(inner)
{
    public override Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var estimated = new UsageRecord[records.Count];
        for (var i = 0; i < estimated.Length; i++)
        {
            estimated[i] = pipeline.Estimate(records[i]);
        }

        return InnerLedger.AppendAsync(estimated, cancellationToken);
    }
}
