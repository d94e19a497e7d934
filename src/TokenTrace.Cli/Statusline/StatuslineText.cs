using System.Globalization;
using System.Text;

namespace TokenTrace.Cli;

/// <summary>
/// The status line itself: one line of plain text, parts separated by <c> | </c>, with ANSI colour only on a budget near
/// or past its limit (Claude Code renders ANSI in status lines; <c>NO_COLOR</c> turns it off).
/// </summary>
internal static class StatuslineText
{
    private const string Yellow = "\u001b[33m";
    private const string Red = "\u001b[31m";
    private const string Reset = "\u001b[0m";

    public static string Format(StatuslineInput input, StatuslineFigures figures, bool behind, bool colour)
    {
        var parts = new List<string>();
        if (input.Model is { } model)
        {
            parts.Add(Clean(model));
        }

        if (figures.Session is { } session)
        {
            var text = new StringBuilder("session ").Append(Cost(session)).Append(" · ").Append(TabularOutput.CompactCount(session.TotalTokens)).Append(" tok");
            if (session.EnergyWh is { } energy && session.Co2eGrams is { } co2e)
            {
                text.Append(" · ").Append(Units.Energy(energy.Central)).Append(" · ").Append(Units.Co2e(co2e.Central)).Append(" CO2e");
            }

            parts.Add(text.ToString());
        }

        parts.Add("today " + Cost(figures.Today));
        if (figures.Block is { } block && figures.Burn is { } burn)
        {
            parts.Add($"block {Cost(block.Totals)} · {(burn.CostUsdPerHour is { } perHour ? Money.Format(perHour) : Money.Unknown)}/h · {BlocksOutput.Duration(burn.Remaining)} left");
        }

        if (figures.TightestBudget is { } budget)
        {
            var percent = budget.Percent.ToString("0", CultureInfo.InvariantCulture) + "%";
            var shown = !colour ? percent : budget.Percent >= 100 ? Red + percent + Reset : budget.Percent >= 80 ? Yellow + percent + Reset : percent;
            parts.Add($"budget {shown} {Clean(budget.Budget.Name)}");
        }

        if (behind)
        {
            parts.Add("catching up");
        }

        return string.Join(" | ", parts);
    }

    /// <summary>The one-line answer when the status line cannot be computed: never a stack trace, never more than one line.</summary>
    public static string Fallback(string reason)
    {
        var line = Clean(reason);
        return "tokentrace: " + (line.Length > 160 ? line[..159] + "…" : line);
    }

    private static string Cost(UsageTotals totals) => Money.Format(Money.KnownCost(totals));

    /// <summary>Text from the input or an error made safe for one line: no line breaks or control characters (an escape could restyle the prompt).</summary>
    private static string Clean(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
}
