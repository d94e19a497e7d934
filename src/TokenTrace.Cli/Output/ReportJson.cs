using System.Text.Json;
using TokenTrace.Reports;

namespace TokenTrace.Cli;

/// <summary>The JSON shapes of forecasts and reports (camelCase, stable): <see cref="UsageReportJson"/>'s, which the server's <c>GET /v1/report</c> writes too.</summary>
internal static class ReportJson
{
    public static void WriteForecast(Utf8JsonWriter w, SpendForecast f) => UsageReportJson.WriteForecast(w, f);

    public static void WriteReport(Utf8JsonWriter w, UsageReport r) => UsageReportJson.Write(w, r);
}
