namespace TokenTrace;

/// <summary>
/// Observes records once a ledger has acknowledged them: metrics, exporters, alerts. One method, in the manner of
/// Serilog's <c>ILogEventSink</c>. Implementations must be fast and thread-safe; a sink that throws is logged and
/// counted by <see cref="SinkingUsageLedger"/> and never affects the ledger, the other sinks or the caller.
/// </summary>
public interface IUsageSink
{
    /// <summary>Called once for each record of an append the ledger acknowledged (including records it already had, by id).</summary>
    void Emit(UsageRecord record);
}
