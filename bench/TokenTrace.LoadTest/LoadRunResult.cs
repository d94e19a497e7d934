namespace TokenTrace.LoadTest;

/// <summary>
/// What a <see cref="LoadRun"/> measured: the server ledger's <paramref name="Rows"/> and <paramref name="DistinctIds"/>
/// (counted with SQL), each pusher's receipt, how many pushers were still running at the kill, what the first server's
/// log counted as stored before it was killed and the second's stored and duplicates, the wall time from the pushers'
/// start to the last one's exit, the outage (kill to listening again), the ingest latency of both server runs, and
/// the <c>/usr/bin/time -v</c> reports.
/// </summary>
internal sealed record LoadRunResult(
    LoadRunSettings Settings,
    long Rows,
    long DistinctIds,
    IReadOnlyList<PushReceipt> Receipts,
    int RunningAtKill,
    long StoredBeforeKill,
    long StoredAfterRestart,
    long DuplicatesAfterRestart,
    TimeSpan Elapsed,
    TimeSpan Outage,
    LatencyHistogram Latency,
    IReadOnlyList<string> TimeFiles)
{
    /// <summary>Records the run had to store: pushers × records each.</summary>
    public long Expected => (long)Settings.Pushers * Settings.RecordsPerPusher;
}
