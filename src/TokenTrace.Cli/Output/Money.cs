using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>
/// Display of dollar amounts, the one place every command's tables and messages round money: cents from $1 up, two
/// significant digits below (so $0.0042 does not show as $0.00), and an unknown amount as <see cref="Unknown"/>, never $0.
/// </summary>
internal static class Money
{
    /// <summary>What an unknown amount (no price) shows as in tables and text.</summary>
    public const string Unknown = "–";

    // Below a millionth of a cent the digits say nothing a person can use; the exact value is in --format json/csv.
    private const int MaxDecimals = 8;

    public static string Format(decimal? amount)
    {
        if (amount is not { } value)
        {
            return Unknown;
        }

        var magnitude = Math.Abs(value);
        var sign = value < 0 ? "-" : "";
        if (magnitude == 0 || magnitude >= 1)
        {
            return sign + "$" + Math.Round(magnitude, 2, MidpointRounding.AwayFromZero).ToString("#,0.00", CultureInfo.InvariantCulture);
        }

        // Two significant digits: the first non-zero decimal and the one after it, at least cents.
        var decimals = 2;
        while (decimals < MaxDecimals && magnitude < Pow10(-(decimals - 1)))
        {
            decimals++;
        }

        var rounded = Math.Round(magnitude, decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0)
        {
            return sign + "<$0." + new string('0', MaxDecimals - 1) + "1";
        }

        return sign + "$" + rounded.ToString("0.00" + new string('#', decimals - 2), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The cost of <paramref name="totals"/> as far as it is known: null when every record in it is unpriced, so a model
    /// nobody could price shows as unknown instead of $0 (a partly priced total is the priced part; UnpricedRecords says
    /// how many are missing).
    /// </summary>
    public static decimal? KnownCost(UsageTotals totals) =>
        totals.Records > 0 && totals.UnpricedRecords == totals.Records ? null : totals.CostUsd;

    public static string PerMillion(decimal? perToken) =>
        perToken is { } rate ? "$" + DecimalCanonicalText(rate * 1_000_000m) : Unknown;

    /// <summary>The value with no trailing zeros, as JSON and CSV carry it (full precision, invariant).</summary>
    public static decimal Canonical(decimal value) => value / 1.000000000000000000000000000m;

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < -exponent; i++)
        {
            result /= 10;
        }

        return result;
    }

    private static string DecimalCanonicalText(decimal value) => Canonical(value).ToString(CultureInfo.InvariantCulture);
}
