using System.Globalization;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// The CLI runs in the user's culture (no InvariantGlobalization) yet reads and prints numbers and dates the invariant
/// way: the same command gives the same bytes under de-DE (decimal comma), th-TH (Buddhist calendar) and ar-SA
/// (Hijri calendar, Arabic separators) as under the invariant culture.
/// </summary>
public sealed class CultureTests(CultureTests.InvariantOutputs invariant) : IClassFixture<CultureTests.InvariantOutputs>
{
    /// <summary>
    /// The invariant culture's summaries and report of the sample, made once for the class and compared with each locale's
    /// (they depend on nothing but the fixed sample, range and --at: each theory asserts exactly that, locale by locale).
    /// </summary>
    public sealed class InvariantOutputs
    {
        private readonly Lazy<Task<(string Json, string Csv)>> _summaries = new(() => SummariesAsync(Invariant));
        private readonly Lazy<Task<string>> _report = new(() => HtmlReportAsync(Invariant));

        public Task<(string Json, string Csv)> Summaries => _summaries.Value;

        public Task<string> Report => _report.Value;
    }

    private const string At = "2026-03-10T00:00:00Z";

    public static TheoryData<string> Locales => new() { "de_DE.UTF-8", "th_TH.UTF-8", "ar_SA.UTF-8" };

    private static Dictionary<string, string?> Culture(string locale) => new()
    {
        ["LANG"] = locale,
        ["LC_ALL"] = locale,
        ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "0",
    };

    private static Dictionary<string, string?> Invariant => new()
    {
        ["LANG"] = "C.UTF-8",
        ["LC_ALL"] = "C.UTF-8",
        ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",
    };

    [Fact]
    public async Task The_cli_runs_in_the_culture_that_LANG_names()
    {
        // If the CLI went back to InvariantGlobalization, every other test here would pass without testing anything.
        var runtimeConfig = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TokenTrace.Cli.runtimeconfig.json"));
        Assert.DoesNotContain("System.Globalization.Invariant\": true", runtimeConfig, StringComparison.Ordinal);

        // ICU is there: the cultures under test really have a decimal comma and non-Gregorian calendars.
        Assert.Equal(",", CultureInfo.GetCultureInfo("de-DE").NumberFormat.NumberDecimalSeparator);
        Assert.IsType<ThaiBuddhistCalendar>(CultureInfo.GetCultureInfo("th-TH").Calendar);
        Assert.IsType<UmAlQuraCalendar>(CultureInfo.GetCultureInfo("ar-SA").Calendar);

        // And the child process takes its culture from LANG: System.CommandLine's own help text comes out in German.
        using var home = new TempDirectory();
        var german = await CliRunner.RunAsync(home.Path, Culture("de_DE.UTF-8"), "--help");
        var invariant = await CliRunner.RunAsync(home.Path, Invariant, "--help");
        Assert.Contains("Optionen:", german.Out, StringComparison.Ordinal);
        Assert.Contains("Options:", invariant.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Locales))]
    public async Task A_budget_limit_of_1_point_5_is_one_dollar_fifty_in_any_culture(string locale)
    {
        using var home = new TempDirectory();
        var set = await CliRunner.RunAsync(home.Path, Culture(locale), "budget", "set", "cap", "--limit", "1.5", "--period", "monthly", "--tz", "UTC");
        Assert.True(set.ExitCode == 0, set.Error);
        Assert.Contains("$1.50", set.Error, StringComparison.Ordinal);

        var status = await CliRunner.RunAsync(home.Path, Culture(locale), "budget", "status", "--format", "json", "--tz", "UTC");
        Assert.True(status.ExitCode == 0, status.Error);
        var budget = JsonDocument.Parse(status.Out).RootElement.GetProperty("budgets")[0];
        Assert.Equal("1.5", budget.GetProperty("limit").GetRawText());
    }

    [Theory]
    [MemberData(nameof(Locales))]
    public async Task A_budget_limit_with_a_decimal_comma_is_bad_input_in_any_culture(string locale)
    {
        using var home = new TempDirectory();
        var set = await CliRunner.RunAsync(home.Path, Culture(locale), "budget", "set", "cap", "--limit", "1,5", "--period", "monthly");
        Assert.Equal(2, set.ExitCode);
        Assert.Contains("--limit: '1,5' is not a number", set.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Locales))]
    public async Task Summary_json_and_csv_are_the_same_bytes_as_under_the_invariant_culture(string locale)
    {
        var expected = await invariant.Summaries;
        var actual = await SummariesAsync(Culture(locale));

        Assert.Contains("\"costUsd\":", expected.Json, StringComparison.Ordinal);
        Assert.Contains("2026-03-05", expected.Csv, StringComparison.Ordinal);
        Assert.Equal(expected.Json, actual.Json);
        Assert.Equal(expected.Csv, actual.Csv);
    }

    [Theory]
    [MemberData(nameof(Locales))]
    public async Task The_html_report_has_the_same_gregorian_dates_as_under_the_invariant_culture(string locale)
    {
        var expected = await invariant.Report;
        var actual = await HtmlReportAsync(Culture(locale));

        Assert.Contains("2026-02-09 to 2026-03-10", expected, StringComparison.Ordinal); // 30 days, the last one included
        Assert.Contains("generated 2026-03-10 00:00 UTC", expected, StringComparison.Ordinal);
        Assert.Equal(expected, actual);
    }

    private static async Task RecordSampleAsync(string home, Dictionary<string, string?> environment)
    {
        string[][] calls =
        [
            ["--model", "claude-sonnet-4-5", "--input", "1234567", "--output", "2345", "--project", "docs", "--at", "2026-03-05T10:00:00Z", "--id", "c1"],
            ["--model", "gpt-4o", "--input", "1000", "--output", "500", "--cache-read", "3000", "--project", "web", "--at", "2026-03-06T23:30:00Z", "--id", "c2"],
        ];
        foreach (var call in calls)
        {
            var result = await CliRunner.RunAsync(home, environment, ["record", .. call, "--quiet"]);
            Assert.True(result.ExitCode == 0, result.Error);
        }
    }

    private static async Task<(string Json, string Csv)> SummariesAsync(Dictionary<string, string?> environment)
    {
        using var home = new TempDirectory();
        await RecordSampleAsync(home.Path, environment);
        string[] range = ["--since", "2026-03-01", "--until", "2026-03-31", "--tz", "UTC"];
        var json = await CliRunner.RunAsync(home.Path, environment, ["summary", "--by", "model", "--by", "day", "--format", "json", .. range]);
        var csv = await CliRunner.RunAsync(home.Path, environment, ["summary", "--by", "day", "--by", "project", "--format", "csv", .. range]);
        Assert.True(json.ExitCode == 0, json.Error);
        Assert.True(csv.ExitCode == 0, csv.Error);
        return (json.Out, csv.Out);
    }

    private static async Task<string> HtmlReportAsync(Dictionary<string, string?> environment)
    {
        using var home = new TempDirectory();
        await RecordSampleAsync(home.Path, environment);
        var budget = await CliRunner.RunAsync(home.Path, environment, "budget", "set", "cap", "--limit", "2.5", "--period", "monthly", "--tz", "UTC");
        Assert.True(budget.ExitCode == 0, budget.Error);
        var file = home.File("report.html");
        var report = await CliRunner.RunAsync(home.Path, environment, "report", "--format", "html", "-o", file, "--tz", "UTC", "--at", At);
        Assert.True(report.ExitCode == 0, report.Error);
        return await File.ReadAllTextAsync(file);
    }
}
