namespace TokenTrace;

/// <summary>A hard budget refused a call. Names the budget, its spend, its limit and when it resets.</summary>
public sealed class BudgetExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BudgetExceededException()
        : this("a hard budget is exhausted")
    {
    }

    /// <summary>Creates the exception.</summary>
    public BudgetExceededException(string message)
        : base(message)
    {
        BudgetName = "";
    }

    /// <summary>Creates the exception.</summary>
    public BudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        BudgetName = "";
    }

    /// <summary>Creates the exception for a refused call.</summary>
    public BudgetExceededException(string budgetName, decimal spend, decimal reserved, decimal limit, BudgetUnit unit, DateTimeOffset? resetsAt)
        : base($"Budget '{budgetName}' is exhausted: spend {Format(spend, unit)} plus {Format(reserved, unit)} in flight would pass the limit of {Format(limit, unit)}"
               + (resetsAt is { } reset ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; it resets at {reset:yyyy-MM-dd HH:mm} UTC.") : "; it never resets."))
    {
        BudgetName = budgetName;
        Spend = spend;
        Limit = limit;
        Unit = unit;
        ResetsAt = resetsAt;
    }

    /// <summary>The budget.</summary>
    public string BudgetName { get; }

    /// <summary>Spend in the period when the call was refused (settled and in flight).</summary>
    public decimal Spend { get; }

    /// <summary>The limit.</summary>
    public decimal Limit { get; }

    /// <summary>The limit's unit.</summary>
    public BudgetUnit Unit { get; }

    /// <summary>When the period resets, or null for a total budget.</summary>
    public DateTimeOffset? ResetsAt { get; }

    private static string Format(decimal value, BudgetUnit unit) => unit switch
    {
        BudgetUnit.Usd => "$" + value.ToString("0.00####", System.Globalization.CultureInfo.InvariantCulture),
        BudgetUnit.Tokens => value.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture) + " tokens",
        _ => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " gCO2e",
    };
}
