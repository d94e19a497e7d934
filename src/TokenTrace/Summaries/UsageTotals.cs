namespace TokenTrace;

/// <summary>
/// Totals over a set of records. Costs add only priced records (<see cref="UnpricedRecords"/> counts the rest) and
/// are summed at a precision of 10⁻¹² USD per record, the same in every ledger.
/// </summary>
public sealed class UsageTotals
{
    /// <summary>Records counted.</summary>
    public long Records { get; private set; }

    /// <summary>Uncached input tokens.</summary>
    public long InputTokens { get; private set; }

    /// <summary>Output tokens (reasoning included).</summary>
    public long OutputTokens { get; private set; }

    /// <summary>Cache-read tokens.</summary>
    public long CacheReadTokens { get; private set; }

    /// <summary>5-minute cache-write tokens.</summary>
    public long CacheWrite5mTokens { get; private set; }

    /// <summary>1-hour cache-write tokens.</summary>
    public long CacheWrite1hTokens { get; private set; }

    /// <summary>All cache-write tokens.</summary>
    public long CacheWriteTokens => checked(CacheWrite5mTokens + CacheWrite1hTokens);

    /// <summary>Reasoning tokens (a part of output).</summary>
    public long ReasoningTokens { get; private set; }

    /// <summary>All tokens.</summary>
    public long TotalTokens => checked(InputTokens + CacheReadTokens + CacheWriteTokens + OutputTokens);

    /// <summary>Cost of the priced records.</summary>
    public decimal CostUsd { get; private set; }

    /// <summary>Records without a cost.</summary>
    public long UnpricedRecords { get; private set; }

    /// <summary>Records with an impact estimate.</summary>
    public long EstimatedRecords { get; private set; }

    /// <summary>Energy of the estimated records, or null when none was estimated.</summary>
    public EstimateRange? EnergyWh => EstimatedRecords == 0 ? null : _energy;

    /// <summary>Emissions of the estimated records, or null when none was estimated.</summary>
    public EstimateRange? Co2eGrams => EstimatedRecords == 0 ? null : _co2e;

    private EstimateRange _energy;
    private EstimateRange _co2e;

    /// <summary>
    /// Rounds a record's cost to the precision every ledger sums at (12 decimal places, a picodollar, half to even), so
    /// a store that sums in SQL (as integer picodollars) and one that sums in memory agree to the last digit.
    /// </summary>
    public static decimal RoundCost(decimal cost) => Math.Round(cost, 12, MidpointRounding.ToEven);

    /// <summary>Adds one record.</summary>
    public void Add(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        AddChecked(record);
    }

    // Checked: within UsageLimits a token sum stays exact past 10⁹ records (docs/methodology/limits.md); a store holding
    // values beyond the bounds fails loudly with an OverflowException instead of wrapping to a wrong number.
    private void AddChecked(UsageRecord record)
    {
        checked
        {
        var t = record.Tokens;
        Records++;
        InputTokens += t.Input;
        OutputTokens += t.Output;
        CacheReadTokens += t.CacheRead;
        CacheWrite5mTokens += t.CacheWrite;
        CacheWrite1hTokens += t.CacheWrite1h;
        ReasoningTokens += t.Reasoning;
        if (record.CostUsd is { } cost)
        {
            CostUsd += RoundCost(cost);
        }
        else
        {
            UnpricedRecords++;
        }

        if (record.Impact is { } impact)
        {
            EstimatedRecords++;
            _energy += impact.EnergyWh;
            _co2e += impact.Co2eGrams;
        }
        }
    }

    /// <summary>Adds other totals.</summary>
    public void Add(UsageTotals other)
    {
        ArgumentNullException.ThrowIfNull(other);
        checked
        {
        Records += other.Records;
        InputTokens += other.InputTokens;
        OutputTokens += other.OutputTokens;
        CacheReadTokens += other.CacheReadTokens;
        CacheWrite5mTokens += other.CacheWrite5mTokens;
        CacheWrite1hTokens += other.CacheWrite1hTokens;
        ReasoningTokens += other.ReasoningTokens;
        CostUsd += other.CostUsd;
        UnpricedRecords += other.UnpricedRecords;
        EstimatedRecords += other.EstimatedRecords;
        _energy += other._energy;
        _co2e += other._co2e;
        }
    }

    /// <summary>Totals from pre-aggregated sums, as a database computes them.</summary>
    public static UsageTotals FromSums(
        long records, long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h, long reasoning,
        decimal costUsd, long unpriced, long estimated, EstimateRange energyWh, EstimateRange co2eGrams) => new()
        {
            Records = records,
            InputTokens = input,
            OutputTokens = output,
            CacheReadTokens = cacheRead,
            CacheWrite5mTokens = cacheWrite5m,
            CacheWrite1hTokens = cacheWrite1h,
            ReasoningTokens = reasoning,
            CostUsd = costUsd,
            UnpricedRecords = unpriced,
            EstimatedRecords = estimated,
            _energy = energyWh,
            _co2e = co2eGrams,
        };
}
