using System.Diagnostics.Metrics;

namespace TokenTrace;

/// <summary>
/// The <c>tokentrace.usage.*</c> counters on the <c>TokenTrace</c> meter: what each recorded call cost, used and emitted,
/// with the OpenTelemetry GenAI attributes and the chosen attribution. Nothing is built unless a listener is on.
/// </summary>
/// <remarks>
/// TokenTrace's own names, never <c>gen_ai.client.token.usage</c>: M.E.AI's <c>UseOpenTelemetry</c> already reports that
/// histogram, and a second copy would double every dashboard built on it.
/// </remarks>
internal sealed class UsageInstruments
{
    private readonly Counter<double> _cost;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _energy;
    private readonly Counter<double> _co2e;
    private readonly MetricAttribution _attribution;

    public UsageInstruments(Meter meter, MetricAttribution attribution)
    {
        _attribution = attribution;
        _cost = meter.CreateCounter<double>(UsageTelemetry.CostInstrument, "USD", "Cost of recorded model calls in US dollars (priced calls only)");
        _tokens = meter.CreateCounter<long>(UsageTelemetry.TokensInstrument, "{token}", "Tokens of recorded model calls by gen_ai.token.type (reasoning is a part of output)");
        _energy = meter.CreateCounter<double>(UsageTelemetry.EnergyInstrument, "Wh", "Estimated energy of recorded model calls (central value)");
        _co2e = meter.CreateCounter<double>(UsageTelemetry.Co2eInstrument, "g", "Estimated emissions of recorded model calls in grams of CO2-equivalent (central value)");
    }

    /// <summary>Whether a listener wants energy or emissions, which the caller then estimates before <see cref="Record"/>.</summary>
    public bool WantsImpact => _energy.Enabled || _co2e.Enabled;

    public void Record(UsageRecord record)
    {
        if (!_cost.Enabled && !_tokens.Enabled && !WantsImpact)
        {
            return;
        }

        // The last slot is gen_ai.token.type, filled per bucket; the other instruments use the tags before it.
        var tags = Tags(record);
        var common = new ReadOnlySpan<KeyValuePair<string, object?>>(tags, 0, tags.Length - 1);
        if (record.CostUsd is { } cost)
        {
            _cost.Add((double)cost, common);
        }

        if (record.Impact is { } impact)
        {
            _energy.Add(impact.EnergyWh.Central, common);
            _co2e.Add(impact.Co2eGrams.Central, common);
        }

        if (_tokens.Enabled)
        {
            var t = record.Tokens;
            AddTokens(tags, "input", t.Input);
            AddTokens(tags, "output", t.Output);
            AddTokens(tags, "cache_read", t.CacheRead);
            AddTokens(tags, "cache_write", checked(t.CacheWrite + t.CacheWrite1h));
            AddTokens(tags, "reasoning", t.Reasoning);
        }
    }

    private void AddTokens(KeyValuePair<string, object?>[] tags, string type, long count)
    {
        // An empty bucket is not measured: a zero would only open a time series per type that never moves.
        if (count > 0)
        {
            tags[^1] = new("gen_ai.token.type", type);
            _tokens.Add(count, tags);
        }
    }

    private KeyValuePair<string, object?>[] Tags(UsageRecord record)
    {
        var a = record.Attribution;
        var tags = new List<KeyValuePair<string, object?>>(12)
        {
            new("gen_ai.operation.name", record.Operation),
            new("gen_ai.request.model", record.Model),
            new("gen_ai.response.model", record.Model),
            new("tokentrace.source", record.Source),
        };
        if (record.Provider is not null)
        {
            tags.Add(new("gen_ai.provider.name", record.Provider));
        }

        Add(tags, MetricAttribution.Project, "tokentrace.project", a.Project);
        Add(tags, MetricAttribution.Job, "tokentrace.job", a.Job);
        Add(tags, MetricAttribution.Task, "tokentrace.task", a.Task);
        Add(tags, MetricAttribution.Agent, "tokentrace.agent", a.Agent);
        Add(tags, MetricAttribution.Session, "tokentrace.session", a.Session);
        Add(tags, MetricAttribution.User, "tokentrace.user", a.User);
        tags.Add(default);
        return [.. tags];
    }

    private void Add(List<KeyValuePair<string, object?>> tags, MetricAttribution field, string key, string? value)
    {
        if (value is not null && (_attribution & field) != 0)
        {
            tags.Add(new(key, value));
        }
    }
}
