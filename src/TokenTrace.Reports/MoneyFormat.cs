using System.Globalization;

namespace TokenTrace.Reports;

/// <summary>
/// How a dollar amount is shown to a person, the same in every command's tables and messages and in the HTML report:
/// cents from $1 up, two significant digits below (so $0.0042 does not show as $0.00), and an unknown amount as
/// <see cref="Unknown"/>, never $0. Machine formats (JSON, CSV) carry the exact value instead.
/// </summary>
public static class MoneyFormat
{
    /// <summary>What an unknown amount (no price) shows as.</summary>
    public const string Unknown = "–";

    // Below a millionth of a cent the digits say nothing a person can use; the exact value is in --format json/csv.
    private const int MaxDecimals = 8;

    /// <summary>An amount: <c>$1,234.50</c>, <c>$0.42</c>, <c>$0.0042</c>, <c>&lt;$0.00000001</c>; <see cref="Unknown"/> for null.</summary>
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
        var bound = 0.1m;
        while (decimals < MaxDecimals && magnitude < bound)
        {
            decimals++;
            bound /= 10;
        }

        var rounded = Math.Round(magnitude, decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0)
        {
            return sign + "<$0." + new string('0', MaxDecimals - 1) + "1";
        }

        return sign + "$" + rounded.ToString("0.00" + new string('#', decimals - 2), CultureInfo.InvariantCulture);
    }
}
