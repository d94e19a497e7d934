using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TokenTrace;

/// <summary>
/// Writes every stored record as one structured log event, <c>tokentrace.usage</c> (event id 1, Information), whose
/// state is the record as attributes (gen_ai.*, tokentrace.*). With OpenTelemetry's logging provider and its OTLP
/// exporter (<c>WithLogging(l => l.AddOtlpExporter())</c>) this is the OTLP exporter of usage records; with any
/// other provider, a structured log of them.
/// </summary>
/// <remarks>
/// Register it as an <see cref="IUsageSink"/> before <c>AddTokenTrace</c>, or add it to
/// <see cref="TokenTrackerOptions.Sinks"/>. Attribute names are listed in docs/end_user/opentelemetry.md. The cost is
/// a double in the event (OTLP has no decimal); the ledger keeps the exact value.
/// </remarks>
public sealed class LoggingUsageSink : IUsageSink
{
    /// <summary>The event every record is written as.</summary>
    public static readonly EventId UsageEvent = new(1, "tokentrace.usage");

    private const string Template = "{gen_ai.request.model} used {tokentrace.tokens.total} tokens, {tokentrace.cost_usd} USD";

    private readonly ILogger _logger;

    /// <summary>Logs through <paramref name="loggerFactory"/>, category <c>TokenTrace.Usage</c>.</summary>
    public LoggingUsageSink(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger("TokenTrace.Usage");
    }

    /// <inheritdoc/>
    public void Emit(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.Log(LogLevel.Information, UsageEvent, State(record), null, static (state, _) => Format(state));
        }
    }

    private static List<KeyValuePair<string, object?>> State(UsageRecord record)
    {
        var t = record.Tokens;
        var a = record.Attribution;
        var state = new List<KeyValuePair<string, object?>>(32)
        {
            new("tokentrace.record_id", record.Id),
            new("tokentrace.timestamp", record.Timestamp.ToString("O", CultureInfo.InvariantCulture)),
            new("gen_ai.operation.name", record.Operation),
            new("gen_ai.request.model", record.Model),
            new("tokentrace.source", record.Source),
            new("tokentrace.tokens.input", t.Input),
            new("tokentrace.tokens.cache_read", t.CacheRead),
            new("tokentrace.tokens.cache_write", t.CacheWrite),
            new("tokentrace.tokens.cache_write_1h", t.CacheWrite1h),
            new("tokentrace.tokens.output", t.Output),
            new("tokentrace.tokens.reasoning", t.Reasoning),
            new("tokentrace.tokens.total", t.Total),
        };
        if (record.CostUsd is { } cost)
        {
            // Absent when unpriced, never a zero (as in the ledger).
            state.Add(new("tokentrace.cost_usd", (double)cost));
        }

        Add(state, "gen_ai.provider.name", record.Provider);
        if (record.Impact is { } impact)
        {
            state.Add(new("tokentrace.energy_wh", impact.EnergyWh.Central));
            state.Add(new("tokentrace.energy_wh.low", impact.EnergyWh.Low));
            state.Add(new("tokentrace.energy_wh.high", impact.EnergyWh.High));
            state.Add(new("tokentrace.co2e_g", impact.Co2eGrams.Central));
            state.Add(new("tokentrace.co2e_g.low", impact.Co2eGrams.Low));
            state.Add(new("tokentrace.co2e_g.high", impact.Co2eGrams.High));
        }

        Add(state, "tokentrace.region", record.Region ?? record.Impact?.Region);
        Add(state, "tokentrace.project", a.Project);
        Add(state, "tokentrace.job", a.Job);
        Add(state, "tokentrace.task", a.Task);
        Add(state, "tokentrace.agent", a.Agent);
        Add(state, "tokentrace.session", a.Session);
        Add(state, "tokentrace.user", a.User);
        foreach (var (key, value) in a.Tags)
        {
            state.Add(new("tokentrace.tag." + key, value));
        }

        state.Add(new("{OriginalFormat}", Template));
        return state;
    }

    private static void Add(List<KeyValuePair<string, object?>> state, string key, string? value)
    {
        if (value is not null)
        {
            state.Add(new(key, value));
        }
    }

    private static string Format(List<KeyValuePair<string, object?>> state)
    {
        object? Value(string key) => state.Find(kv => kv.Key == key).Value;
        var cost = Value("tokentrace.cost_usd") is double usd ? usd.ToString("0.######", CultureInfo.InvariantCulture) + " USD" : "unpriced";
        return string.Create(CultureInfo.InvariantCulture, $"{Value("gen_ai.request.model")} used {Value("tokentrace.tokens.total")} tokens, {cost}");
    }
}
