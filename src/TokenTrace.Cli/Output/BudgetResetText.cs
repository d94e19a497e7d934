using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>When an exhausted budget lets spend through again, in words: one wording for `budget check` and the hooks.</summary>
internal static class BudgetResetText
{
    /// <summary>"it resets at …", the rolling window's next roll-off, or null for a total budget (it never resets).</summary>
    public static string? Describe(BudgetStatus status) =>
        status.ResetsAt is { } end ? $"it resets at {Utc(end)}"
        : status.RollsOffAt is { } off ? $"it is a rolling {status.Budget.Period.RollingDays}-day window: its oldest counted spend leaves it at {Utc(off)}"
        : null;

    /// <summary>An instant as people read it in messages: minutes, UTC.</summary>
    public static string Utc(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
}
