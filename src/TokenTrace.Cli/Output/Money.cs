using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>Display of dollar amounts: rounding happens here, and only here.</summary>
internal static class Money
{
    public static string Format(decimal amount) => amount switch
    {
        0m => "$0.00",
        < 0.01m => "$" + amount.ToString("0.00####", CultureInfo.InvariantCulture),
        _ => "$" + amount.ToString("#,0.00", CultureInfo.InvariantCulture),
    };

    public static string PerMillion(decimal? perToken) =>
        perToken is { } rate ? "$" + DecimalCanonicalText(rate * 1_000_000m) : "-";

    private static string DecimalCanonicalText(decimal value) => (value / 1.000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
