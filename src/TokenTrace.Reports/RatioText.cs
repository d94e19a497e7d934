using System.Globalization;

namespace TokenTrace.Reports;

/// <summary>Shares and changes in the HTML report: cache-hit share, share of cost, change against the previous period.</summary>
internal static class RatioText
{
    /// <summary>
    /// Cache-read tokens over all input tokens (uncached, cache-read and cache-write): how much of the prompt was
    /// served from the provider's cache. Null when there was no input.
    /// </summary>
    public static double? CacheHitShare(UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var input = totals.InputTokens + totals.CacheReadTokens + totals.CacheWriteTokens;
        return input == 0 ? null : (double)totals.CacheReadTokens / input;
    }

    /// <summary>A share as a percentage with one decimal (<c>42.3%</c>), or "–" when there is none.</summary>
    public static string Percent(double? share) =>
        share is { } s ? (s * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%" : MoneyText.Unknown;

    /// <summary>
    /// The change from <paramref name="previous"/> to <paramref name="current"/> in percent (<c>+12.5%</c>, <c>-8%</c>);
    /// "new" when the previous period had none, "–" when neither had any.
    /// </summary>
    public static string Change(double current, double previous)
    {
        if (previous == 0)
        {
            return current == 0 ? MoneyText.Unknown : "new";
        }

        // Adding +0 turns a rounded -0 into 0, so a tiny drop reads "0%", not "-0%".
        var percent = Math.Round((current - previous) / previous * 100, 1) + 0.0;
        return (percent > 0 ? "+" : "") + percent.ToString("0.#", CultureInfo.InvariantCulture) + "%";
    }
}
