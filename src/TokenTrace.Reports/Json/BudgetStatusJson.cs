using System.Globalization;
using System.Text.Json;

namespace TokenTrace.Reports;

/// <summary>
/// The documented JSON shape of a budget's status (<c>tokentrace budget status --format json</c> and the server's
/// <c>GET /v1/budgets</c>): one writer, so that both answer alike.
/// </summary>
public static class BudgetStatusJson
{
    /// <summary>Writes <paramref name="status"/> as one object: name, scope, period, limit, spend, reserved, projection, window.</summary>
    public static void Write(Utf8JsonWriter writer, BudgetStatus status)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(status);
        var s = status;
        writer.WriteStartObject();
        writer.WriteString("name", s.Budget.Name);
        writer.WriteString("scope", BudgetScope.ToText(s.Budget.Scope));
        writer.WriteString("period", s.Budget.Period.Name);
        writer.WriteString("timeZone", s.Budget.TimeZone);
        writer.WriteString("unit", s.Budget.Unit.ToString().ToLowerInvariant());
        writer.WriteString("mode", s.Budget.Mode.ToString().ToLowerInvariant());
        writer.WriteNumber("limit", s.Budget.Limit);
        writer.WriteNumber("spend", UsageSummaryJson.Canonical(s.Spend));
        writer.WriteNumber("reserved", UsageSummaryJson.Canonical(s.Reserved));
        writer.WriteNumber("percent", Math.Round(s.Percent, 2));
        writer.WriteNumber("remaining", UsageSummaryJson.Canonical(s.Remaining));
        writer.WriteNumber("projectedSpend", Math.Round(s.ProjectedSpend, 6));
        writer.WriteBoolean("exhausted", s.Exhausted);
        writer.WriteBoolean("forecastExceeds", s.ForecastExceeds);
        writer.WriteString("periodStart", s.Window.Start == DateTimeOffset.MinValue ? null : s.Window.Start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("periodEnd", s.ResetsAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteBoolean("rolling", s.Budget.Period.RollingDays > 0);
        writer.WriteString("rollsOffAt", s.RollsOffAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }
}
