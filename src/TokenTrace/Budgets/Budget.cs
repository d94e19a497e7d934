using System.Globalization;

namespace TokenTrace;

/// <summary>A spending limit on a scope of usage over a period. Spend is always derived from the ledger.</summary>
public sealed record Budget
{
    /// <summary>A unique name.</summary>
    public required string Name { get; init; }

    /// <summary>Which records count (time fields are ignored; the period sets the time range). <see cref="UsageQuery.All"/> counts everything.</summary>
    public UsageQuery Scope { get; init; } = UsageQuery.All;

    /// <summary>How often the budget resets.</summary>
    public required BudgetPeriod Period { get; init; }

    /// <summary>The IANA time zone the period's days, weeks and months follow.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>The limit, in <see cref="Unit"/>.</summary>
    public required decimal Limit { get; init; }

    /// <summary>What the limit counts.</summary>
    public BudgetUnit Unit { get; init; } = BudgetUnit.Usd;

    /// <summary>Percentages of the limit at which alerts fire, once per period each.</summary>
    public IReadOnlyList<int> AlertAt { get; init; } = [50, 80, 100];

    /// <summary>Whether exhausting it only warns or also refuses calls.</summary>
    public BudgetMode Mode { get; init; } = BudgetMode.Soft;

    /// <summary>The time zone object, resolved.</summary>
    /// <exception cref="FormatException">The time zone id is unknown.</exception>
    public TimeZoneInfo ResolveTimeZone()
    {
        if (TimeZone.Equals("UTC", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"budget '{Name}': unknown time zone '{TimeZone}'", ex);
        }
    }

    /// <summary>
    /// The largest limit a budget may have (10¹⁵ of its unit): far beyond any real budget, and small enough that
    /// forecasts and chart scales computed from it (a limit times a factor) stay inside <see cref="decimal"/>.
    /// </summary>
    public const decimal MaxLimit = 1_000_000_000_000_000m;

    /// <summary>Checks the budget's fields.</summary>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Any(char.IsControl))
        {
            throw new ArgumentException("budget name must be non-empty text");
        }

        if (Limit <= 0 || Limit > MaxLimit)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"budget '{Name}': limit must be more than 0 and at most {MaxLimit:0.#####E+0}, not {Limit}"));
        }

        if (AlertAt.Any(p => p is <= 0 or > 1000))
        {
            throw new ArgumentException($"budget '{Name}': alert thresholds must be percentages from 1 to 1000");
        }

        _ = ResolveTimeZone();
    }

    /// <summary>The spend of <paramref name="totals"/> in this budget's unit.</summary>
    public decimal SpendOf(UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        return Unit switch
        {
            BudgetUnit.Usd => totals.CostUsd,
            BudgetUnit.Tokens => totals.TotalTokens,
            _ => (decimal)(totals.Co2eGrams?.Central ?? 0),
        };
    }

    /// <summary>The spend of one record in this budget's unit.</summary>
    public decimal SpendOf(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Unit switch
        {
            BudgetUnit.Usd => record.CostUsd ?? 0,
            BudgetUnit.Tokens => record.Tokens.Total,
            _ => (decimal)(record.Impact?.Co2eGrams.Central ?? 0),
        };
    }

    /// <summary>
    /// Whether a call of <paramref name="amount"/> fits when <paramref name="used"/> (spend plus reservations in flight)
    /// is already taken: nothing fits once the limit is reached, and nothing may take spend past it.
    /// </summary>
    public bool Admits(decimal used, decimal amount) => used < Limit && amount <= Limit - used;

    /// <summary>Whether <paramref name="record"/> counts toward this budget (ignoring time).</summary>
    public bool Covers(UsageRecord record) => (Scope with { Since = null, Until = null }).Matches(record);
}
