using System.Globalization;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary>
/// Display of dollar amounts in the CLI: <see cref="MoneyFormat"/>'s rule (shared with the HTML report), and what a
/// table needs around it (unknown when nothing is priced, rates per million).
/// </summary>
internal static class Money
{
    /// <summary>What an unknown amount (no price) shows as in tables and text.</summary>
    public const string Unknown = MoneyFormat.Unknown;

    public static string Format(decimal? amount) => MoneyFormat.Format(amount);

    /// <summary>
    /// The cost of <paramref name="totals"/> as far as it is known: null when every record in it is unpriced, so a model
    /// nobody could price shows as unknown instead of $0 (a partly priced total is the priced part; UnpricedRecords says
    /// how many are missing).
    /// </summary>
    public static decimal? KnownCost(UsageTotals totals) => UsageSummaryJson.KnownCost(totals);

    public static string PerMillion(decimal? perToken) =>
        perToken is { } rate ? "$" + DecimalCanonicalText(rate * 1_000_000m) : Unknown;

    /// <summary>The value with no trailing zeros, as JSON and CSV carry it (full precision, invariant).</summary>
    public static decimal Canonical(decimal value) => UsageSummaryJson.Canonical(value);

    private static string DecimalCanonicalText(decimal value) => Canonical(value).ToString(CultureInfo.InvariantCulture);
}
