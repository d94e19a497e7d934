using System.Net;
using System.Text.Json;

namespace TokenTrace.Server.Tests;

/// <summary>Days at the edge of the calendar are a clear 400 on every read API, never a 500.</summary>
public sealed class QueryRangeTests
{
    public static TheoryData<string, string> EdgeDays => new()
    {
        // The day after 9999-12-31 is past DateTime.MaxValue.
        { "v1/summary", "until=9999-12-31" },
        { "v1/records", "until=9999-12-31" },
        { "v1/report", "until=9999-12-31" },
        // 0001-01-01 00:00 at UTC+14 is 14 hours before DateTimeOffset.MinValue.
        { "v1/summary", "since=0001-01-01&tz=Pacific/Kiritimati" },
        { "v1/records", "since=0001-01-01&tz=Pacific/Kiritimati" },
        { "v1/report", "since=0001-01-01&tz=Pacific/Kiritimati" },
    };

    [Theory]
    [MemberData(nameof(EdgeDays))]
    public async Task A_day_outside_the_calendar_is_a_400_naming_the_field(string path, string query)
    {
        await using var server = await ServerHarness.StartAsync();
        using var reader = server.Client(ServerHarness.ReadSecret);

        using var response = await reader.GetAsync(path + "?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith(query.Split('=')[0] + ":", error, StringComparison.Ordinal);
        Assert.Contains("outside the range", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_over_the_whole_calendar_is_refused_not_a_500()
    {
        await using var server = await ServerHarness.StartAsync();
        using var reader = server.Client(ServerHarness.ReadSecret);

        using var response = await reader.GetAsync("v1/report?since=0001-01-02&until=9999-12-30");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
