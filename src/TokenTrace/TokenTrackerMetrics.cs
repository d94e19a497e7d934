using System.Diagnostics.Metrics;

namespace TokenTrace;

/// <summary>
/// The tracker's health as observable instruments on the <c>TokenTrace</c> meter (<see cref="UsageTelemetry.MeterName"/>),
/// created through <see cref="IMeterFactory"/> so a host's metrics pipeline (OpenTelemetry, dotnet-counters) sees them.
/// The usage counters (<see cref="UsageInstruments"/>) share the meter: one name to enable, one version to read.
/// </summary>
internal static class TokenTrackerMetrics
{
    public static Meter Create(IMeterFactory? factory, Func<TokenTrackerStatistics> read)
    {
        var meter = factory?.Create(new MeterOptions(UsageTelemetry.MeterName) { Version = UsageTelemetry.Version })
            ?? new Meter(UsageTelemetry.MeterName, UsageTelemetry.Version);
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
