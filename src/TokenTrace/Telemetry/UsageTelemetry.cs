using System.Diagnostics;

namespace TokenTrace;

/// <summary>
/// TokenTrace's OpenTelemetry identity — one <see cref="System.Diagnostics.Metrics.Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/>, both named <see cref="MeterName"/> at <see cref="Version"/> — and
/// the seam that adds a record's cost and carbon to the <c>gen_ai</c> span of the call it accounts for.
/// </summary>
/// <remarks>
/// The instruments, units and attributes are listed in docs/end_user/opentelemetry.md. <see cref="Version"/> changes
/// whenever an instrument, unit or attribute does, so dashboards can tell which shape they read.
/// </remarks>
public static class UsageTelemetry
{
    /// <summary>The name of TokenTrace's meter: <c>TokenTrace</c>. Pass it to <c>AddMeter</c>.</summary>
    public const string MeterName = "TokenTrace";

    /// <summary>The name of TokenTrace's activity source: <c>TokenTrace</c>. Pass it to <c>AddSource</c>.</summary>
    public const string ActivitySourceName = "TokenTrace";

    /// <summary>The version of the instrumentation (instrument names, units and attributes), given to the meter and the source.</summary>
    public const string Version = "1.0.0";

    /// <summary>Counter of US dollars spent (priced records only), unit <c>USD</c>.</summary>
    public const string CostInstrument = "tokentrace.usage.cost";

    /// <summary>Counter of tokens by <c>gen_ai.token.type</c>, unit <c>{token}</c>.</summary>
    public const string TokensInstrument = "tokentrace.usage.tokens";

    /// <summary>Counter of estimated energy (central value), unit <c>Wh</c>.</summary>
    public const string EnergyInstrument = "tokentrace.usage.energy";

    /// <summary>Counter of estimated emissions in CO2-equivalent (central value), unit <c>g</c>.</summary>
    public const string Co2eInstrument = "tokentrace.usage.co2e";

    /// <summary>The span tag M.E.AI and every OpenTelemetry GenAI instrumentation set on a model call's span.</summary>
    public const string GenAIOperationTag = "gen_ai.operation.name";

    /// <summary>The activity source TokenTrace's own spans (ledger appends) come from.</summary>
    internal static readonly ActivitySource Source = new(ActivitySourceName, Version);

    /// <summary>
    /// Whether <paramref name="activity"/> is the span of a generative-AI call that is being recorded: it carries
    /// <c>gen_ai.operation.name</c> (as M.E.AI's <c>UseOpenTelemetry</c> spans <c>chat {model}</c> do) and a
    /// listener wants its data.
    /// </summary>
    public static bool IsGenAISpan(Activity? activity) =>
        activity is { IsAllDataRequested: true } && activity.GetTagItem(GenAIOperationTag) is not null;

    /// <summary>
    /// Adds <paramref name="record"/>'s cost, energy, emissions and attribution to <paramref name="activity"/>:
    /// <c>tokentrace.cost_usd</c>, <c>tokentrace.energy_wh</c>, <c>tokentrace.co2e_g</c> (central values; a second
    /// record on the same span adds to them, so a span's figures are the sum of the calls made inside it) and
    /// <c>tokentrace.project</c>, <c>.job</c>, <c>.task</c>, <c>.agent</c>, <c>.session</c>, <c>.user</c> when set, and
    /// <c>tokentrace.record_id</c> while the span holds exactly one record.
    /// Does nothing when <paramref name="activity"/> is null or not recorded. Never throws on a valid record.
    /// </summary>
    /// <remarks>
    /// <see cref="TokenTracker.Record(UsageRecord)"/> calls it for <see cref="Activity.Current"/> when that is a
    /// <c>gen_ai</c> span, so middleware placed inside <c>UseOpenTelemetry()</c> needs nothing more; middleware that
    /// holds the span some other way passes it here. An unpriced record adds no cost tag, never a zero.
    /// </remarks>
    public static void Enrich(Activity? activity, UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        if (record.CostUsd is { } cost)
        {
            Accumulate(activity, "tokentrace.cost_usd", (double)cost);
        }

        if (record.Impact is { } impact)
        {
            Accumulate(activity, "tokentrace.energy_wh", impact.EnergyWh.Central);
            Accumulate(activity, "tokentrace.co2e_g", impact.Co2eGrams.Central);
        }

        var records = activity.GetTagItem("tokentrace.records") is int n ? n + 1 : 1;
        activity.SetTag("tokentrace.records", records);
        // The record's id, while the span holds one call: a server taking the span over OTLP stores it under this id, so
        // the same call also pushed from this machine's ledger is a duplicate there, not a second record. A span holding
        // two calls has no single id, and loses it.
        activity.SetTag("tokentrace.record_id", records == 1 ? record.Id : null);
        SetIfPresent(activity, "tokentrace.project", record.Attribution.Project);
        SetIfPresent(activity, "tokentrace.job", record.Attribution.Job);
        SetIfPresent(activity, "tokentrace.task", record.Attribution.Task);
        SetIfPresent(activity, "tokentrace.agent", record.Attribution.Agent);
        SetIfPresent(activity, "tokentrace.session", record.Attribution.Session);
        SetIfPresent(activity, "tokentrace.user", record.Attribution.User);
    }

    private static void Accumulate(Activity activity, string key, double value) =>
        activity.SetTag(key, activity.GetTagItem(key) is double existing ? existing + value : value);

    private static void SetIfPresent(Activity activity, string key, string? value)
    {
        if (value is not null)
        {
            activity.SetTag(key, value);
        }
    }
}
