namespace TokenTrace.Cli;

/// <summary>Display of a budget's amounts in its unit: dollars the way <see cref="Money"/> shows them everywhere else.</summary>
internal static class BudgetAmount
{
    public static string Format(decimal value, BudgetUnit unit, bool compact = false) => unit switch
    {
        BudgetUnit.Usd => Money.Format(value),
        BudgetUnit.Tokens when compact => TabularOutput.CompactCount((long)Math.Round(value)),
        _ => BudgetUnits.Format(value, unit),
    };
}
