using System.Text.RegularExpressions;

namespace TokenTrace.Reports.Tests;

/// <summary>The HTML report from a real ledger: what a reader sees in each section, read back from the page.</summary>
public sealed class HtmlReportWriterTests
{
    private static readonly DateTimeOffset Since = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Until = new(2026, 11, 15, 0, 0, 0, TimeSpan.Zero);

    private static UsageRecord Call(string id, DateTimeOffset at, string model, decimal? cost, double wh = 0, string? agent = null) => new()
    {
        Id = id,
        Timestamp = at,
        Model = model,
        CostUsd = cost,
        Tokens = new TokenCounts { Input = 250_000, CacheRead = 750_000, Output = 1_000_000 },
        Attribution = new Attribution { Agent = agent },
        Impact = wh == 0 ? null : new ImpactEstimate(new EstimateRange(wh / 3, wh, wh * 3), new EstimateRange(wh / 6, wh / 2, wh * 1.5)),
    };

    /// <summary>
    /// Two weeks from Nov 1; usage starts on Nov 11. Model "a" cost $12 (two calls, 3,076.956 Wh in all) and $8 in the
    /// two weeks before; "mystery" has no price. One record lies just before the previous period and must not count.
    /// </summary>
    private static async Task<UsageReport> ReportAsync(TempDirectory temp)
    {
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync(
        [
            Call("a1", new(2026, 11, 11, 9, 0, 0, TimeSpan.Zero), "a", 5m, 1_000, "planner"),
            Call("a2", new(2026, 11, 14, 9, 0, 0, TimeSpan.Zero), "a", 7m, 2_076.956, "coder"),
            Call("m1", new(2026, 11, 12, 9, 0, 0, TimeSpan.Zero), "mystery", null, 0, "planner"),
            Call("p1", new(2026, 10, 18, 0, 0, 0, TimeSpan.Zero), "a", 8m, 500),
            Call("old", new(2026, 10, 17, 23, 59, 0, TimeSpan.Zero), "a", 100m, 500),
        ]);
        return await new ReportGenerator(ledger, TimeZoneInfo.Utc, new FixedTime(Until)).GenerateAsync(new UsageQuery { Since = Since, Until = Until }, []);
    }

    [Fact]
    public async Task The_previous_period_is_the_same_length_immediately_before()
    {
        using var temp = new TempDirectory();
        var report = await ReportAsync(temp);
        Assert.Equal(new DateTimeOffset(2026, 10, 18, 0, 0, 0, TimeSpan.Zero), report.PreviousQuery!.Since);
        Assert.Equal(Since, report.PreviousQuery.Until);
        Assert.Equal(1, report.PreviousByModel!.Total.Records);
        Assert.Equal(8m, report.PreviousByModel.Total.CostUsd);
    }

    [Fact]
    public async Task The_model_table_shows_cost_share_tokens_cache_hits_cost_per_million_scaled_energy_with_its_range_and_the_change()
    {
        using var temp = new TempDirectory();
        var html = HtmlReportWriter.Write(await ReportAsync(temp));

        var table = Regex.Match(html, "<table class=\"data models\">.*?</table>", RegexOptions.Singleline).Value;
        Assert.Equal(["Model", "Cost", "Share of cost", "Tokens", "Cache hits", "Per 1M tokens", "Energy", "CO2e", "Cost vs previous"], Cells(table, "th"));
        var rows = Regex.Matches(table, "<tr[^>]*><td.*?</tr>", RegexOptions.Singleline).Select(m => Cells(m.Value, "td")).ToList();
        // 4,000,000 tokens for $12: $3.00 per million; 750k of 1M input tokens per call from cache: 75%.
        Assert.Equal(["a", "$12.00", "100%", "4,000,000", "75%", "$3.00", "3.08 kWh1.03–9.23 kWh", "1.54 kg513 g – 4.62 kg", "+50%was $8.00"], rows[0]);
        Assert.Equal(["mystery", "–", "–", "2,000,000", "75%", "–", "–", "–", "–"], rows[1]);
        Assert.Equal("≥ $12.001 unpriced", rows[2][1]);
        Assert.DoesNotContain("3,076", html, StringComparison.Ordinal);
        Assert.DoesNotContain("$0.00", table, StringComparison.Ordinal);
        Assert.Contains("<span class=\"muted\">Cost</span><b>≥ $12.00</b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_previous_period_is_side_by_side_with_the_change()
    {
        using var temp = new TempDirectory();
        var html = HtmlReportWriter.Write(await ReportAsync(temp));

        Assert.Contains("2026-11-01 to 2026-11-14 against 2026-10-18 to 2026-10-31", html, StringComparison.Ordinal);
        var table = Regex.Match(html, "<table class=\"data compare fits\">.*?</table>", RegexOptions.Singleline).Value;
        var rows = Regex.Matches(table, "<tr><td.*?</tr>", RegexOptions.Singleline).Select(m => Cells(m.Value, "td")).ToList();
        Assert.Equal(["Cost", "≥ $12.00", "$8.00", "+50%"], rows[0]);
        Assert.Equal(["Calls", "3", "1", "+200%"], rows[1]);
        Assert.Equal(["Cache hits", "75%", "75%", "0 pp"], rows[3]);
        Assert.Equal(["Energy", "3.08 kWh1.03–9.23 kWh", "500 Wh167 Wh – 1.5 kWh", "+515.4%"], rows[4]);
    }

    [Fact]
    public async Task The_daily_charts_start_on_the_first_day_with_usage_and_agents_appear_once()
    {
        using var temp = new TempDirectory();
        var html = HtmlReportWriter.Write(await ReportAsync(temp));

        var dailyCost = Regex.Match(html, "data-chart=\"daily-cost\".*?</figure>", RegexOptions.Singleline).Value;
        var labels = Regex.Matches(dailyCost, "<text class=\"x[^\"]*\"[^>]*>([^<]+)</text>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["11-11", "11-12", "11-13", "11-14"], labels);
        Assert.Single(Regex.Matches(html, ">By agent<"));
        Assert.DoesNotContain("Top agents", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Axis_ticks_are_round_amounts()
    {
        using var temp = new TempDirectory();
        var html = HtmlReportWriter.Write(await ReportAsync(temp));

        var axis = Regex.Match(html, "data-chart=\"daily-cost\".*?<svg class=\"y-axis\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Equal(["$0", "$2", "$4", "$6", "$8"], Regex.Matches(axis, "<text[^>]*>([^<]+)</text>").Select(m => m.Groups[1].Value));
    }

    [Fact]
    public async Task A_report_over_all_usage_has_no_previous_period_to_compare_with()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Call("a1", new(2026, 11, 11, 9, 0, 0, TimeSpan.Zero), "a", 5m, 1_000)]);
        var report = await new ReportGenerator(ledger, TimeZoneInfo.Utc, new FixedTime(Until)).GenerateAsync(UsageQuery.All, []);

        Assert.Null(report.PreviousQuery);
        Assert.Null(report.PreviousByModel);
        var html = HtmlReportWriter.Write(report);
        Assert.DoesNotContain("previous", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<b>$5.00</b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_from_the_ledger_are_text_never_markup()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        const string Hostile = "<script>alert(1)</script>\"'><img src=x>";
        await ledger.AppendAsync([Call("a1", new(2026, 11, 11, 9, 0, 0, TimeSpan.Zero), Hostile, 5m, 1_000, Hostile) with { Attribution = new Attribution { Agent = Hostile, Project = Hostile, Job = Hostile, Session = Hostile } }]);
        var report = await new ReportGenerator(ledger, TimeZoneInfo.Utc, new FixedTime(Until)).GenerateAsync(new UsageQuery { Since = Since, Until = Until }, []);

        var html = HtmlReportWriter.Write(report);
        Assert.Single(Regex.Matches(html, "<script>"));
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    private static List<string> Cells(string row, string tag) =>
        [.. Regex.Matches(row, $"<{tag}[^>]*>(.*?)</{tag}>", RegexOptions.Singleline).Select(m => Regex.Replace(m.Groups[1].Value, "<[^>]+>", "").Replace("&#8211;", "–", StringComparison.Ordinal))];

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
