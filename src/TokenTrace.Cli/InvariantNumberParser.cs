using System.CommandLine.Parsing;
using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>
/// Custom parsers for numeric options. System.CommandLine parses numbers in the current culture, so under de-DE
/// <c>--limit 1.5</c> was read as 15 (the dot is a group separator there). Numbers on the command line are written
/// the invariant way, whatever the user's culture; anything else (<c>1,5</c>, <c>1.000</c>) is bad input, exit 2.
/// </summary>
internal static class InvariantNumberParser
{
    public static decimal Decimal(ArgumentResult result) =>
        Parse(result, static (string text, out decimal value) => decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value), "a number written with a decimal point and no group separators, such as 1.5");

    public static long Int64(ArgumentResult result) =>
        Parse(result, static (string text, out long value) => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value), "a whole number without group separators, such as 1200");

    public static int Int32(ArgumentResult result) =>
        Parse(result, static (string text, out int value) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value), "a whole number without group separators, such as 30");

    private delegate bool TryParse<T>(string text, out T value);

    private static T Parse<T>(ArgumentResult result, TryParse<T> tryParse, string expected)
        where T : struct
    {
        if (result.Tokens.Count == 0)
        {
            return default;
        }

        var text = result.Tokens[0].Value;
        if (tryParse(text, out var value))
        {
            return value;
        }

        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name}: '{text}' is not {expected}");
        return default;
    }
}
