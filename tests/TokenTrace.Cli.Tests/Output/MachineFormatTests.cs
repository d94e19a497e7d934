using System.Text.Json;

namespace TokenTrace.Cli.Tests.Output;

/// <summary>
/// CSV and JSON are for programs: Python's csv module and jq read them, and the numbers they get are the raw inputs
/// (full precision, no $ or thousands separators, empty or null where unknown), under one set of columns per command.
/// </summary>
public sealed class MachineFormatTests(KnownUsage usage) : IClassFixture<KnownUsage>
{
    private static readonly string[] TotalsHeader =
    [
        "records", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "cacheWrite1hTokens", "reasoningTokens", "totalTokens",
        "costUsd", "unpricedRecords", "energyWh", "energyWhLow", "energyWhHigh", "co2eGrams", "co2eGramsLow", "co2eGramsHigh",
    ];

    private Task<(int ExitCode, string Out, string Error)> Run(params string[] args) => CliRunner.RunAsync(usage.Home, args);

    [Fact]
    public async Task Summary_csv_has_the_json_field_names_and_the_raw_numbers()
    {
        var result = await Run(["summary", "--by", "model", "--format", "csv", .. KnownUsage.OnTheDay]);
        Assert.Equal(0, result.ExitCode);
        var (header, rows) = await ExternalTool.PythonCsvAsync(result.Out);
        Assert.Equal(["model", .. TotalsHeader], header);
        var byModel = rows.ToDictionary(r => r["model"]);
        Assert.Equal(3, byModel.Count); // one row per model and no total row for a script to double count
        Assert.Equal(("1000", "500", "1500", "0.0075", "0"), Numbers(byModel["gpt-4o"]));
        Assert.Equal(("180000", "4580000", "4760000", "69.24", "0"), Numbers(byModel["claude-sonnet-4-5"]));
        Assert.Equal(("10", "0", "10", "", "1"), Numbers(byModel["mystery-9000"]));
        Assert.Equal("", byModel["mystery-9000"]["energyWh"]);
        Assert.DoesNotContain('$', result.Out);
        Assert.DoesNotContain("'", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summary_csv_without_by_is_one_row_of_totals_and_keeps_its_columns_when_everything_is_priced()
    {
        var all = await ExternalTool.PythonCsvAsync((await Run(["summary", "--format", "csv", .. KnownUsage.OnTheDay])).Out);
        Assert.Equal(TotalsHeader, all.Header);
        Assert.Equal(("181010", "4580500", "4761510", "69.2475", "1"), Numbers(Assert.Single(all.Rows)));

        var priced = await ExternalTool.PythonCsvAsync((await Run(["summary", "--by", "model", "--project", "web", "--format", "csv", .. KnownUsage.OnTheDay])).Out);
        Assert.Equal(["model", .. TotalsHeader], priced.Header);
        Assert.Equal("0", Assert.Single(priced.Rows)["unpricedRecords"]);
    }

    [Fact]
    public async Task Summary_json_gives_jq_null_for_a_model_nobody_prices_and_the_exact_sums()
    {
        var json = (await Run(["summary", "--by", "model", "--format", "json", .. KnownUsage.OnTheDay])).Out;
        Assert.Equal(["null"], await ExternalTool.JqAsync(json, """.rows[] | select(.key.model == "mystery-9000") | .costUsd"""));
        Assert.Equal(["0.0075"], await ExternalTool.JqAsync(json, """.rows[] | select(.key.model == "gpt-4o") | .costUsd"""));
        Assert.Equal(["69.2475", "1", "4761510"], await ExternalTool.JqAsync(json, ".total | .costUsd, .unpricedRecords, .totalTokens"));
    }

    [Fact]
    public async Task Report_csv_is_one_table_of_sections_and_its_json_reads_in_jq()
    {
        string[] args = ["report", .. KnownUsage.OnTheDay, "--at", "2026-11-21T00:00:00Z"];
        var csv = await Run([.. args, "--format", "csv"]);
        Assert.Equal(0, csv.ExitCode);
        var (header, rows) = await ExternalTool.PythonCsvAsync(csv.Out);
        Assert.Equal(["section", "key", .. TotalsHeader], header);
        Assert.Equal("0.0075", rows.Single(r => r["section"] == "byModel" && r["key"] == "gpt-4o")["costUsd"]);
        Assert.Equal("", rows.Single(r => r["section"] == "byModel" && r["key"] == "mystery-9000")["costUsd"]);
        Assert.Equal(("181010", "4580500", "4761510", "69.2475", "1"), Numbers(rows.Single(r => r["section"] == "daily" && r["key"] == KnownUsage.Day)));
        Assert.Equal("69.24", rows.Single(r => r["section"] == "byProject" && r["key"] == "docs")["costUsd"]);

        var json = (await Run([.. args, "--format", "json"])).Out;
        Assert.Equal(["null"], await ExternalTool.JqAsync(json, """.byModel.rows[] | select(.key.model == "mystery-9000") | .costUsd"""));
        Assert.Equal(["69.2475"], await ExternalTool.JqAsync(json, ".byModel.total.costUsd"));
    }

    [Fact]
    public async Task Budget_status_csv_and_json_carry_the_spend_and_limit_as_numbers()
    {
        var (header, rows) = await ExternalTool.PythonCsvAsync((await Run("budget", "status", "--format", "csv")).Out);
        Assert.Equal(
            ["name", "scope", "period", "timeZone", "unit", "spend", "reserved", "limit", "percent", "remaining", "projectedSpend", "periodEnd", "rolling", "rollsOffAt", "mode", "exhausted", "forecastExceeds", "periodStart"],
            header);
        var cap = Assert.Single(rows);
        Assert.Equal(("cap", "69.2475", "100", "69.25", "30.7525"), (cap["name"], cap["spend"], cap["limit"], cap["percent"], cap["remaining"]));
        Assert.Equal("", cap["periodEnd"]); // a total budget never resets

        var json = (await Run("budget", "status", "--format", "json")).Out;
        Assert.Equal(["69.2475", "100", "null"], await ExternalTool.JqAsync(json, ".budgets[0] | .spend, .limit, .periodEnd"));
    }

    [Fact]
    public async Task Carbon_csv_and_json_leave_unknown_energy_and_cost_empty()
    {
        var (header, rows) = await ExternalTool.PythonCsvAsync((await Run(["carbon", "--format", "csv", .. KnownUsage.OnTheDay])).Out);
        Assert.Equal(["model", "records", "energyWh", "energyWhLow", "energyWhHigh", "co2eGrams", "co2eGramsLow", "co2eGramsHigh", "costUsd", "unpricedRecords", "unestimatedRecords"], header);
        var mystery = rows.Single(r => r["model"] == "mystery-9000");
        Assert.Equal(("", "", "1", "1"), (mystery["energyWh"], mystery["costUsd"], mystery["unpricedRecords"], mystery["unestimatedRecords"]));
        var gpt = rows.Single(r => r["model"] == "gpt-4o");
        Assert.Equal("0.0075", gpt["costUsd"]);
        var energy = double.Parse(gpt["energyWh"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(energy, double.Parse(gpt["energyWhLow"], System.Globalization.CultureInfo.InvariantCulture), double.Parse(gpt["energyWhHigh"], System.Globalization.CultureInfo.InvariantCulture));

        var json = (await Run(["carbon", "--format", "json", .. KnownUsage.OnTheDay])).Out;
        Assert.Equal(["null", "null"], await ExternalTool.JqAsync(json, """.summary.rows[] | select(.key.model == "mystery-9000") | .costUsd, .energyWh"""));
        Assert.Equal(["1"], await ExternalTool.JqAsync(json, ".unestimatedRecords"));
    }

    [Fact]
    public async Task Carbon_regions_honours_format_json()
    {
        var json = (await Run("carbon", "--regions", "--format", "json")).Out;
        Assert.Equal(["gcp Stockholm 2.73"], await ExternalTool.JqAsync(json, """.regions[] | select(.region == "europe-north2") | "\(.cloud) \(.location) \(.gramsPerKwh)" """));
        var (header, rows) = await ExternalTool.PythonCsvAsync((await Run("carbon", "--regions", "--format", "csv")).Out);
        Assert.Equal(["region", "cloud", "location", "gramsPerKwh", "source", "year"], header);
        Assert.Equal("2.73", rows.Single(r => r["region"] == "europe-north2")["gramsPerKwh"]);
    }

    [Fact]
    public async Task Trend_csv_and_json_have_a_row_per_day_with_raw_numbers()
    {
        string[] days = ["trend", "--by", "day", "--since", KnownUsage.Day, "--until", "2026-11-21", "--tz", "UTC"];
        var (header, rows) = await ExternalTool.PythonCsvAsync((await Run([.. days, "--format", "csv"])).Out);
        Assert.Equal(["day", .. TotalsHeader], header);
        Assert.Equal([KnownUsage.Day, "2026-11-21"], rows.Select(r => r["day"]));
        Assert.Equal(("181010", "4580500", "4761510", "69.2475", "1"), Numbers(rows[0]));
        Assert.Equal(("0", "0", "0", "0", "0"), Numbers(rows[1])); // nothing spent is a known $0
        Assert.Equal("", rows[1]["energyWh"]);

        var json = (await Run([.. days, "--format", "json"])).Out;
        Assert.Equal(["2026-11-20 69.2475", "2026-11-21 0"], await ExternalTool.JqAsync(json, """.points[] | "\(.bucket) \(.costUsd)" """));
    }

    private static (string, string, string, string, string) Numbers(Dictionary<string, string> row) =>
        (row["inputTokens"], row["outputTokens"], row["totalTokens"], row["costUsd"], row["unpricedRecords"]);
}
