namespace TokenTrace;

/// <summary>The period a budget's spend is counted over: <see cref="Start"/> inclusive, <see cref="End"/> exclusive (UTC instants).</summary>
/// <param name="Start">First instant counted.</param>
/// <param name="End">When the period resets (<see cref="DateTimeOffset.MaxValue"/> for a total budget).</param>
public readonly record struct BudgetWindow(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>Whether the period ever resets.</summary>
    public bool Resets => End != DateTimeOffset.MaxValue;

    /// <summary>The share of the period elapsed at <paramref name="now"/>, from 0 to 1 (1 for a total budget).</summary>
    public double ElapsedFraction(DateTimeOffset now) =>
        !Resets ? 1 : Math.Clamp((now - Start).TotalSeconds / (End - Start).TotalSeconds, 0, 1);
}
