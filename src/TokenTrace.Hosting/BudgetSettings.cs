namespace TokenTrace.Hosting;

/// <summary>A budget as written in configuration; <see cref="ToBudget"/> parses and checks it.</summary>
public sealed class BudgetSettings
{
    /// <summary>A unique name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The limit, in <see cref="Unit"/>.</summary>
    public decimal Limit { get; set; }

    /// <summary>What the limit counts: <c>usd</c> (default), <c>tokens</c> or <c>gco2e</c>.</summary>
    public string Unit { get; set; } = "usd";

    /// <summary><c>daily</c>, <c>weekly</c>, <c>monthly</c>, <c>total</c> or rolling <c>Nd</c>.</summary>
    public string Period { get; set; } = "";

    /// <summary>The IANA time zone the period follows.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Soft warns; hard also refuses calls once the limit is reached.</summary>
    public BudgetMode Mode { get; set; } = BudgetMode.Soft;

    /// <summary>
    /// Percentages of the limit at which alerts fire; null means 50, 80 and 100. (Null rather than a filled list because
    /// the configuration binder appends to a list it finds filled.)
    /// </summary>
    public List<int>? AlertAt { get; set; }

    /// <summary>Which records count, as <c>field=value</c> pairs (<c>project=docs</c>, <c>tag:team=a</c>); empty counts everything.</summary>
    public List<string> Scope { get; set; } = [];

    /// <summary>The budget.</summary>
    /// <exception cref="FormatException">The unit, period or scope cannot be parsed.</exception>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    public Budget ToBudget()
    {
        var budget = new Budget
        {
            Name = Name,
            Limit = Limit,
            Unit = BudgetUnits.Parse(Unit),
            Period = BudgetPeriod.Parse(Period),
            TimeZone = TimeZone,
            Mode = Mode,
            AlertAt = AlertAt is null ? [50, 80, 100] : [.. AlertAt],
            Scope = BudgetScope.Parse(Scope),
        };
        budget.Validate();
        return budget;
    }
}
