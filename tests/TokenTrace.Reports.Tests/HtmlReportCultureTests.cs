using System.Globalization;

namespace TokenTrace.Reports.Tests;

/// <summary>A host runs the report writer in its user's culture; the report must still show Gregorian dates and invariant numbers.</summary>
public sealed class HtmlReportCultureTests
{
    private static readonly DateTimeOffset ResetsAt = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(InCulture.Hostile), MemberType = typeof(InCulture))]
    public async Task The_html_report_is_the_same_in_any_culture(string culture)
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([new UsageRecord { Id = "a", Timestamp = ResetsAt.AddDays(-3), Model = "m", CostUsd = 1234.5m, Tokens = new TokenCounts { Input = 1_234_567 } }]);
        var query = new UsageQuery { Since = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), Until = ResetsAt };
        var report = await new ReportGenerator(ledger, TimeZoneInfo.Utc).GenerateAsync(query, []);

        var invariant = InCulture.Run(CultureInfo.InvariantCulture.Name, () => HtmlReportWriter.Write(report));
        var html = InCulture.Run(culture, () => HtmlReportWriter.Write(report));

        Assert.Contains("2026-11-01 to 2026-11-23", invariant, StringComparison.Ordinal);
        Assert.Contains("$1,234.50", invariant, StringComparison.Ordinal);
        Assert.Equal(invariant, html);
    }
}
