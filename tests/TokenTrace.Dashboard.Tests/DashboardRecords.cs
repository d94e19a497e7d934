namespace TokenTrace.Dashboard.Tests;

/// <summary>
/// Four records with their cost, energy and CO2e given (no pricing involved), so every figure the dashboard shows is
/// worked out by hand below. The server's clock is <see cref="Now"/>, Friday 2026-11-20 12:00 UTC.
/// </summary>
/// <remarks>
/// <code>
/// id  day         model             project   user   device  session  cost   tokens (in+out)  energy Wh  CO2e g
/// r1  2026-11-18  gpt-4o            checkout  alice  laptop  s-1      1.25   1000+500         2.0        0.8
/// r2  2026-11-18  claude-haiku-4-5  docs      bob    ci      s-2      0.50   2000+1000        1.0        0.4
/// r3  2026-11-19  gpt-4o            docs      alice  laptop  s-1      2.00   3000+1000        3.0        1.2
/// r4  2026-11-20  gpt-4o            checkout  bob    ci      s-3      0.25   500+250          0.5        0.2
///
/// total             4 calls  $4.00  9,250 tokens  6.5 Wh  2.6 g
/// by model          gpt-4o $3.50 (3 calls, 6,250 tokens)   claude-haiku-4-5 $0.50 (1 call, 3,000 tokens)
/// by project        docs $2.50   checkout $1.50
/// by user           alice $3.25  bob $0.75
/// by device         laptop $3.25 ci $0.75
/// top sessions      s-1 $3.25    s-2 $0.50   s-3 $0.25
/// project=docs      $2.50: gpt-4o $2.00, claude-haiku-4-5 $0.50; laptop $2.00, ci $0.50
/// device=ci         $0.75: 2 calls
/// </code>
/// Budgets at <see cref="Now"/> (see <see cref="Budgets"/>):
/// <code>
/// all-monthly  monthly, $10: November's spend $4.00 = 40 %. Forecast (SpendForecaster): history before today = Wed 11-18
///   $1.75, Thu 11-19 $2.00 (2 days, so σ is the plain standard deviation: mean 1.875, σ = √(2 × 0.125²) = 0.1768); the
///   other weekdays' mean is the mean of all days, $1.875. Expected = 4.00 + ½ day × m[Fri] 1.875 (0.9375) + Nov 21…30
///   (Wed 25 → 1.75, Thu 26 → 2.00, eight other days × 1.875 = 15.00: 18.75) = $23.6875, over the limit.
/// checkout-daily  daily, $1, hard, project checkout: today's spend $0.25 = 25 %. History: Wed $1.25, Thu $0 → other
///   weekdays' mean $0.625; expected = 0.25 + ½ × 0.625 = $0.5625.
/// </code>
/// </remarks>
public static class DashboardRecords
{
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<UsageRecord> All { get; } =
    [
        Make("r1", new(2026, 11, 18, 9, 0, 0, TimeSpan.Zero), "gpt-4o", "openai", "checkout", "alice", "laptop", "s-1", 1.25m, 1_000, 500, 2.0, 0.8),
        Make("r2", new(2026, 11, 18, 15, 0, 0, TimeSpan.Zero), "claude-haiku-4-5", "anthropic", "docs", "bob", "ci", "s-2", 0.50m, 2_000, 1_000, 1.0, 0.4),
        Make("r3", new(2026, 11, 19, 10, 30, 0, TimeSpan.Zero), "gpt-4o", "openai", "docs", "alice", "laptop", "s-1", 2.00m, 3_000, 1_000, 3.0, 1.2),
        Make("r4", new(2026, 11, 20, 8, 15, 0, TimeSpan.Zero), "gpt-4o", "openai", "checkout", "bob", "ci", "s-3", 0.25m, 500, 250, 0.5, 0.2),
    ];

    public static IReadOnlyList<Budget> Budgets { get; } =
    [
        new Budget { Name = "all-monthly", Period = BudgetPeriod.Parse("monthly"), Limit = 10m },
        new Budget { Name = "checkout-daily", Period = BudgetPeriod.Parse("daily"), Limit = 1m, Mode = BudgetMode.Hard, Scope = new UsageQuery { Project = "checkout" } },
    ];

    private static UsageRecord Make(
        string id, DateTimeOffset at, string model, string provider, string project, string user, string device, string session,
        decimal cost, long input, long output, double energyWh, double co2eGrams) => new()
        {
            Id = id,
            Timestamp = at,
            Provider = provider,
            Model = model,
            Tokens = new TokenCounts { Input = input, Output = output },
            CostUsd = cost,
            Impact = new ImpactEstimate(new EstimateRange(energyWh / 2, energyWh, energyWh * 2), new EstimateRange(co2eGrams / 2, co2eGrams, co2eGrams * 2)),
            Attribution = new Attribution
            {
                Project = project,
                User = user,
                Session = session,
                Tags = new Dictionary<string, string> { ["device"] = "id-" + device, ["device.name"] = device },
            },
        };
}
