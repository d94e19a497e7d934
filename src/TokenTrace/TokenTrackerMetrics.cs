using System.Diagnostics.Metrics;

namespace TokenTrace;

/// <summary>
/// The tracker's health as observable instruments on the <c>TokenTrace.Tracker</c> meter, created through
/// <see cref="IMeterFactory"/> so a host's metrics pipeline (OpenTelemetry, dotnet-counters) sees them.
/// </summary>
internal static class TokenTrackerMetrics
{
    public const string MeterName = "TokenTrace.Tracker";

    public static Meter Create(IMeterFactory? factory, Func<TokenTrackerStatistics> read)
    {
        var meter = factory?.Create(new MeterOptions(MeterName) { Version = "1.0" }) ?? new Meter(MeterName, "1.0");
        meter.CreateObservableCounter("tokentrace.tracker.records.accepted", () => read().Recorded, "{record}", "Records accepted by Record()");
        meter.CreateObservableCounter("tokentrace.tracker.records.written", () => read().Persisted, "{record}", "Records the ledger acknowledged");
        meter.CreateObservableCounter("tokentrace.tracker.records.spilled", () => read().Spilled, "{record}", "Records written to the spill folder");
        meter.CreateObservableCounter("tokentrace.tracker.records.replayed", () => read().Replayed, "{record}", "Spilled records replayed into the ledger");
        meter.CreateObservableCounter("tokentrace.tracker.records.lost", () => read().Lost, "{record}", "Records neither stored nor spilled");
        meter.CreateObservableCounter("tokentrace.tracker.records.unpriced", () => read().Unpriced, "{record}", "Records without a known price");
        meter.CreateObservableCounter("tokentrace.tracker.writes.failed", () => read().FailedWrites, "{attempt}", "Ledger write attempts that failed");
        meter.CreateObservableUpDownCounter("tokentrace.tracker.records.pending", () => read().Pending, "{record}", "Records accepted and not yet stored or spilled");
        return meter;
    }
}
