using System.Globalization;
using System.Text.Json;

namespace TokenTrace.Reports;

/// <summary>
/// The documented JSON shape of a <see cref="UsageReport"/> (<c>tokentrace report --format json</c> and the server's
/// <c>GET /v1/report</c>) and of a <see cref="SpendForecast"/>: one writer, so the command and the API answer alike.
/// </summary>
public static class UsageReportJson
{
    /// <summary>Writes <paramref name="f"/> as the <c>forecast</c> object of <c>tokentrace forecast --format json</c>.</summary>
    public static void WriteForecast(Utf8JsonWriter w, SpendForecast f)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(f);
        w.WriteStartObject();
        w.WriteString("name", f.Name);
        w.WriteString("unit", f.Unit.ToString().ToLowerInvariant());
        w.WriteString("periodStart", Instant(f.Window.Start));
        w.WriteString("periodEnd", Instant(f.Window.End));
        w.WriteNumber("spent", Round(f.Spent));
        w.WriteNumber("expected", Round(f.Expected));
        w.WriteNumber("low", Round(f.Low));
        w.WriteNumber("high", Round(f.High));
        if (f.Limit is { } limit && limit != decimal.MaxValue)
        {
            w.WriteNumber("limit", limit);
            w.WriteBoolean("expectedOverLimit", f.ExpectedOverLimit);
        }
        else
        {
            w.WriteNull("limit");
            w.WriteBoolean("expectedOverLimit", false);
        }

        w.WriteStartArray("weekdayMeans");
        foreach (var mean in f.WeekdayMeans)
        {
            w.WriteNumberValue(Round(mean));
        }

        w.WriteEndArray();
        w.WriteNumber("historyDays", f.HistoryDays);
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes <paramref name="r"/> as <c>{generatedAt, timeZone, since, until, byModel, byProject, byAgent, daily, budgets
    /// (each with its forecast), anomalies, topJobs, topSessions, topAgents}</c>.
    /// </summary>
    public static void Write(Utf8JsonWriter w, UsageReport r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        w.WriteStartObject();
        w.WriteString("generatedAt", Instant(r.GeneratedAt));
        w.WriteString("timeZone", r.TimeZone);
        w.WriteString("since", r.Query.Since is { } since ? Instant(since) : null);
        w.WriteString("until", r.Query.Until is { } until ? Instant(until) : null);
        Summary(w, "byModel", r.ByModel);
        Summary(w, "byProject", r.ByProject);
        Summary(w, "byAgent", r.ByAgent);
        w.WriteStartArray("daily");
        foreach (var point in r.Daily)
        {
            w.WriteStartObject();
            w.WriteString("day", point.Bucket);
            UsageSummaryJson.WriteTotals(w, point.Totals);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("budgets");
        foreach (var b in r.Budgets)
        {
            var s = b.Status;
            w.WriteStartObject();
            w.WriteString("name", s.Budget.Name);
            w.WriteString("period", s.Budget.Period.Name);
            w.WriteString("unit", s.Budget.Unit.ToString().ToLowerInvariant());
            w.WriteString("mode", s.Budget.Mode.ToString().ToLowerInvariant());
            w.WriteNumber("limit", s.Budget.Limit);
            w.WriteNumber("spend", Round(s.Spend));
            w.WriteNumber("percent", Math.Round(s.Percent, 2));
            w.WriteBoolean("exhausted", s.Exhausted);
            if (b.Forecast is { } forecast)
            {
                w.WritePropertyName("forecast");
                WriteForecast(w, forecast);
            }
            else
            {
                w.WriteNull("forecast");
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("anomalies");
        foreach (var a in r.Anomalies)
        {
            w.WriteStartObject();
            w.WriteString("day", a.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WriteNumber("costUsd", Round(a.Spend));
            w.WriteNumber("baselineUsd", Round(a.Baseline));
            w.WriteNumber("score", Math.Round(a.Score, 2));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        Top(w, "topJobs", "job", r.TopJobs);
        Top(w, "topSessions", "session", r.TopSessions);
        Top(w, "topAgents", "agent", r.TopAgents);
        w.WriteEndObject();
    }

    private static void Summary(Utf8JsonWriter w, string name, UsageSummary summary)
    {
        w.WritePropertyName(name);
        UsageSummaryJson.Write(w, summary);
    }

    private static void Top(Utf8JsonWriter w, string name, string dimension, IReadOnlyList<SummaryRow> rows)
    {
        w.WriteStartArray(name);
        foreach (var row in rows)
        {
            w.WriteStartObject();
            w.WriteString(dimension, row.Key[dimension]);
            UsageSummaryJson.WriteTotals(w, row.Totals);
            w.WriteEndObject();
            if (w.BytesPending > 1 << 16)
            {
                w.Flush();
            }
        }

        w.WriteEndArray();
    }

    private static decimal Round(decimal value) => Math.Round(value, 6) / 1.000000000000000000000m;

    private static string Instant(DateTimeOffset instant) =>
        instant == DateTimeOffset.MaxValue || instant == DateTimeOffset.MinValue ? "" : instant.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
