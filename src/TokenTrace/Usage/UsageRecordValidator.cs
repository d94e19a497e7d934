using System.Globalization;

namespace TokenTrace;

/// <summary>
/// Checks a record before it is priced or stored, so that bad input fails loudly with the name of the field
/// instead of turning into a wrong number later.
/// </summary>
public static class UsageRecordValidator
{
    /// <summary>The largest cost one record may carry (<see cref="UsageLimits.MaxCostUsd"/>); larger values are taken as a unit mistake.</summary>
    public const decimal MaxCostUsd = UsageLimits.MaxCostUsd;

    /// <summary>Returns the problems of <paramref name="record"/>, empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        List<string>? problems = null;
        void Problem(string text) => (problems ??= []).Add(text);

        if (string.IsNullOrWhiteSpace(record.Id))
        {
            Problem("id: must not be empty");
        }

        if (string.IsNullOrWhiteSpace(record.Model))
        {
            Problem("model: must not be empty");
        }

        var tokens = record.Tokens;
        CheckCount("input", tokens.Input);
        CheckCount("cacheRead", tokens.CacheRead);
        CheckCount("cacheWrite", tokens.CacheWrite);
        CheckCount("cacheWrite1h", tokens.CacheWrite1h);
        CheckCount("output", tokens.Output);
        CheckCount("reasoning", tokens.Reasoning);
        if (tokens.Reasoning > tokens.Output)
        {
            Problem(string.Create(CultureInfo.InvariantCulture, $"reasoning: {tokens.Reasoning} is more than output ({tokens.Output}); reasoning is a part of output"));
        }

        if (tokens.Extra.Count > UsageLimits.MaxExtraCounts)
        {
            Problem(string.Create(CultureInfo.InvariantCulture, $"extra: {tokens.Extra.Count} named counts; at most {UsageLimits.MaxExtraCounts} are allowed"));
        }

        foreach (var (key, value) in tokens.Extra)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                Problem("extra: a count has an empty name");
            }

            CheckCount($"extra.{key}", value);
        }

        foreach (var key in record.Attribution.Tags.Keys)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                Problem("tags: a tag has an empty key");
            }
        }

        if (record.CostUsd is { } cost && (cost < 0 || cost > MaxCostUsd))
        {
            Problem(string.Create(CultureInfo.InvariantCulture, $"costUsd: {cost} is outside 0..{MaxCostUsd} (docs/methodology/limits.md)"));
        }

        if (record.Impact is { } impact)
        {
            CheckEstimate("energyWh", impact.EnergyWh);
            CheckEstimate("co2eGrams", impact.Co2eGrams);
        }

        if (record.LatencyMs is { } latency && (latency < 0 || double.IsNaN(latency) || double.IsInfinity(latency)))
        {
            Problem(string.Create(CultureInfo.InvariantCulture, $"latencyMs: {latency} must be a finite number of at least 0"));
        }

        if (record.Timestamp.Year is < 1970 or > 9999)
        {
            Problem(string.Create(CultureInfo.InvariantCulture, $"timestamp: {record.Timestamp:O} is out of range"));
        }

        return problems ?? (IReadOnlyList<string>)[];

        // Three calls, not a loop over an array of the three: that array was most of what validating a record
        // allocated, and every record is validated on its way into a ledger.
        void CheckEstimate(string field, EstimateRange range)
        {
            CheckEstimateValue(field, "Low", range.Low);
            CheckEstimateValue(field, "", range.Central);
            CheckEstimateValue(field, "High", range.High);
        }

        void CheckEstimateValue(string field, string suffix, double value)
        {
            if (!double.IsFinite(value) || value < 0 || value > UsageLimits.MaxImpactPerRecord)
            {
                Problem(string.Create(CultureInfo.InvariantCulture, $"{field}{suffix}: {value:R} is outside 0..{UsageLimits.MaxImpactPerRecord:R} (docs/methodology/limits.md)"));
            }
        }

        void CheckCount(string field, long value)
        {
            if (value < 0)
            {
                Problem(string.Create(CultureInfo.InvariantCulture, $"{field}: {value} is negative; token counts must be 0 or more"));
            }
            else if (value > UsageLimits.MaxTokensPerBucket)
            {
                Problem(string.Create(CultureInfo.InvariantCulture, $"{field}: {value} is above the limit of {UsageLimits.MaxTokensPerBucket} per record (docs/methodology/limits.md)"));
            }
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming every problem of <paramref name="record"/>.</summary>
    public static void ThrowIfInvalid(UsageRecord record)
    {
        var problems = Validate(record);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid usage record '{record.Id}': {string.Join("; ", problems)}", nameof(record));
        }
    }
}
