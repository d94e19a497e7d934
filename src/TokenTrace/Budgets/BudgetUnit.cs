namespace TokenTrace;

/// <summary>What a budget's limit counts.</summary>
public enum BudgetUnit
{
    /// <summary>US dollars of priced records.</summary>
    Usd,

    /// <summary>All tokens.</summary>
    Tokens,

    /// <summary>Grams of CO2e (central estimates).</summary>
    Co2eGrams,
}
