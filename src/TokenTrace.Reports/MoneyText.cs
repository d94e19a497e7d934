using System.Globalization;

namespace TokenTrace.Reports;

/// <summary>
/// Dollar amounts in the HTML report, the way the CLI shows them (<see cref="MoneyFormat"/>), and what the report adds:
/// unknown — records without a price — never shown as $0, a lower bound when some are unpriced, changes and ticks.
/// </summary>
internal static class MoneyText
{
    /// <summary>Shown where the cost is unknown because no record in the group has a price.</summary>
    public const string Unknown = MoneyFormat.Unknown;

    /// <summary>An amount, as <see cref="MoneyFormat"/> shows it everywhere.</summary>
    public static string Format(decimal amount) => MoneyFormat.Format(amount);

    /// <summary>The cost of <paramref name="totals"/>: unknown when nothing is priced, "≥" when some records are not.</summary>
    public static string Of(UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (!HasPrice(totals))
        {
            return Unknown;
        }

        return (totals.UnpricedRecords > 0 ? "≥ " : "") + Format(totals.CostUsd);
    }

    /// <summary>Whether any record of <paramref name="totals"/> has a price (so its cost is at least partly known).</summary>
    public static bool HasPrice(UsageTotals totals) => totals.Records > totals.UnpricedRecords;

    /// <summary>
    /// The change in cost from <paramref name="before"/> to <paramref name="now"/>: unknown when either side has calls
    /// but no price (a percentage of an unknown is no number), "new" when there was nothing before.
    /// </summary>
    public static string Change(UsageTotals now, UsageTotals before)
    {
        ArgumentNullException.ThrowIfNull(now);
        ArgumentNullException.ThrowIfNull(before);
        if ((now.Records > 0 && !HasPrice(now)) || (before.Records > 0 && !HasPrice(before)))
        {
            return Unknown;
        }

        return before.Records == 0 && now.Records > 0 ? "new" : RatioText.Change((double)now.CostUsd, (double)before.CostUsd);
    }

    /// <summary>An axis tick: a round amount needs no trailing zeros (<c>$5</c>, <c>$2.5</c>, <c>$0.025</c>).</summary>
    public static string Tick(decimal amount) => "$" + amount.ToString("#,0.############", CultureInfo.InvariantCulture);
}
