using System.Globalization;

namespace TokenTrace;

/// <summary>Reading and writing amounts in a budget's unit.</summary>
public static class BudgetUnits
{
    /// <summary>Parses <c>usd</c>, <c>tokens</c> or <c>gco2e</c>.</summary>
    /// <exception cref="FormatException">The text is none of them.</exception>
    public static BudgetUnit Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "usd" or "$" or "dollars" => BudgetUnit.Usd,
            "tokens" => BudgetUnit.Tokens,
            "gco2e" or "co2egrams" or "co2e" => BudgetUnit.Co2eGrams,
            _ => throw new FormatException($"unit '{text}': expected usd, tokens or gco2e"),
        };
    }

    /// <summary>An amount for people: <c>$1.25</c>, <c>12,000</c> (tokens), <c>3.5 g</c>.</summary>
    public static string Format(decimal value, BudgetUnit unit) => unit switch
    {
        BudgetUnit.Usd => "$" + Math.Round(value, 4).ToString("#,0.00##", CultureInfo.InvariantCulture),
        BudgetUnit.Tokens => value.ToString("#,0", CultureInfo.InvariantCulture),
        _ => value.ToString("#,0.###", CultureInfo.InvariantCulture) + " g",
    };
}
