using System.Globalization;
using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// Issue 11: the provider comes from the catalogue when the caller gives none; <c>record</c> and <c>reprice</c> say what
/// the ledger holds; rolling budgets agree between <c>budget status</c>, <c>budget check</c> and <c>forecast</c>.
/// </summary>
public sealed class ProviderAndBudgetCliTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private static Dictionary<string, JsonElement> RowsBy(string json, string dimension) =>
        Json(json).GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetProperty(dimension).GetString() ?? "(none)");

    [Fact]
    public async Task A_provider_scoped_budget_fires_on_claude_usage_recorded_without_a_provider()
    {
        using var home = new TempDirectory();
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "record", "--model", "claude-sonnet-4-5", "--input", "100000")).ExitCode); // $0.30
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "100000")).ExitCode); // $0.25
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "set", "anth", "--scope", "provider=anthropic", "--limit", "0.1", "--period", "monthly", "--hard")).ExitCode);

        var status = Json((await CliRunner.RunAsync(home.Path, "budget", "status", "--format", "json")).Out).GetProperty("budgets")[0];
        Assert.Equal(0.3m, status.GetProperty("spend").GetDecimal());
        var check = await CliRunner.RunAsync(home.Path, "budget", "check");
        Assert.Equal(3, check.ExitCode);
        Assert.Contains("anth", check.Error, StringComparison.Ordinal);

        var byProvider = RowsBy((await CliRunner.RunAsync(home.Path, "summary", "--by", "provider", "--format", "json")).Out, "provider");
        Assert.Equal(["anthropic", "openai"], byProvider.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0.3m, byProvider["anthropic"].GetProperty("costUsd").GetDecimal());
        Assert.Equal(0.25m, byProvider["openai"].GetProperty("costUsd").GetDecimal());
        var filtered = Json((await CliRunner.RunAsync(home.Path, "summary", "--provider", "anthropic", "--format", "json")).Out).GetProperty("total");
        Assert.Equal(1, filtered.GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task A_caller_given_provider_is_kept()
    {
        using var home = new TempDirectory();
        await CliRunner.RunAsync(home.Path, "record", "--model", "claude-sonnet-4-5", "--provider", "bedrock", "--input", "10");
        var byProvider = RowsBy((await CliRunner.RunAsync(home.Path, "summary", "--by", "provider", "--format", "json")).Out, "provider");
        Assert.Equal(["bedrock"], byProvider.Keys);
    }

    [Theory]
    [InlineData("sqlite:{0}/old.db")]
    [InlineData("jsonl:{0}/old")]
    [InlineData("csv:{0}/old.csv")]
    public async Task Reprice_fills_the_provider_of_old_records_in_every_ledger_kind(string specFormat)
    {
        using var home = new TempDirectory();
        var spec = string.Format(CultureInfo.InvariantCulture, specFormat, home.Path);
        // Records from before the provider was filled in: they carry their own cost, which import keeps as it is.
        var file = home.File("old.jsonl");
        await File.WriteAllTextAsync(file, """
            {"id":"c1","timestamp":"2026-11-20T10:00:00Z","model":"claude-sonnet-4-5","input":100000,"costUsd":0.3,"priceEntry":"claude-sonnet-4-5"}
            {"id":"c2","timestamp":"2026-11-20T10:20:00Z","model":"claude-sonnet-4-5","input":100000,"costUsd":0.3,"priceEntry":"claude-sonnet-4-5"}
            {"id":"g1","timestamp":"2026-11-20T10:40:00Z","model":"gpt-4o","input":100000,"costUsd":0.25,"priceEntry":"gpt-4o"}
            {"id":"u1","timestamp":"2026-11-20T10:50:00Z","model":"house-model","input":1000}

            """);
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "import", file, "--ledger", spec)).ExitCode);
        var before = RowsBy((await CliRunner.RunAsync(home.Path, "summary", "--by", "provider", "--ledger", spec, "--format", "json")).Out, "provider");
        Assert.Equal(["(none)"], before.Keys);

        var reprice = Json((await CliRunner.RunAsync(home.Path, "reprice", "--ledger", spec, "--format", "json")).Out);
        Assert.Equal(3, reprice.GetProperty("changed").GetInt32());
        Assert.Equal(1, reprice.GetProperty("unchanged").GetInt32());
        Assert.Equal(3, reprice.GetProperty("providerFilled").GetInt32());

        // SQLite answers this from its hourly rollup, which must have moved the three records to their providers.
        var after = RowsBy((await CliRunner.RunAsync(home.Path, "summary", "--by", "provider", "--ledger", spec, "--format", "json")).Out, "provider");
        Assert.Equal(["(none)", "anthropic", "openai"], after.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, after["anthropic"].GetProperty("records").GetInt64());
        Assert.Equal(0.6m, after["anthropic"].GetProperty("costUsd").GetDecimal());
        Assert.Equal(1, after["(none)"].GetProperty("unpricedRecords").GetInt64());
        var filtered = Json((await CliRunner.RunAsync(home.Path, "summary", "--provider", "openai", "--ledger", spec, "--format", "json")).Out).GetProperty("total");
        Assert.Equal(0.25m, filtered.GetProperty("costUsd").GetDecimal());

        // A second run finds nothing left to change.
        var again = Json((await CliRunner.RunAsync(home.Path, "reprice", "--ledger", spec, "--format", "json")).Out);
        Assert.Equal(0, again.GetProperty("changed").GetInt32());
    }

    [Fact]
    public async Task Reprice_says_how_many_records_change_and_how_many_stay_the_same()
    {
        using var home = new TempDirectory();
        await CliRunner.RunAsync(home.Path, "record", "--model", "house-model", "--input", "1000000");
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "1000");
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "2000");
        await File.WriteAllTextAsync(home.File("tokentrace.yaml"), "prices:\n  overrides:\n    house-model:\n      input: 2\n      output: 8\n");

        var dry = await CliRunner.RunAsync(home.Path, "reprice", "--dry-run");
        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("3 records examined: 1 would change, 2 unchanged", dry.Out, StringComparison.Ordinal);
        var done = await CliRunner.RunAsync(home.Path, "reprice");
        Assert.Contains("3 records examined: 1 changed, 2 unchanged", done.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recording_an_id_again_prints_the_stored_record_not_the_refused_values()
    {
        using var home = new TempDirectory();
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "100", "--id", "req-1")).ExitCode);
        var again = await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "100000", "--output", "4", "--id", "req-1");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("Already recorded req-1: gpt-4o, 100 tokens,", again.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("100,004", again.Out, StringComparison.Ordinal);

        var json = Json((await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "7", "--id", "req-1", "--at", "2026-01-01T00:00:00Z", "--format", "json")).Out);
        Assert.False(json.GetProperty("added").GetBoolean());
        Assert.Equal(100, json.GetProperty("record").GetProperty("input").GetInt64());
        Assert.Equal(1, Json((await CliRunner.RunAsync(home.Path, "summary", "--format", "json")).Out).GetProperty("total").GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Recording_without_token_counts_exits_2_and_stores_nothing()
    {
        using var home = new TempDirectory();
        var result = await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--input", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "0")).ExitCode); // said explicitly: kept
        Assert.Equal(1, Json((await CliRunner.RunAsync(home.Path, "summary", "--format", "json")).Out).GetProperty("total").GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task A_rolling_budget_has_one_spend_in_status_check_and_forecast_and_check_quiet_prints_nothing()
    {
        using var home = new TempDirectory();
        var now = DateTimeOffset.UtcNow;
        var oldest = now.AddDays(-6).AddHours(-1);
        string At(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "900000", "--at", At(now.AddDays(-8))); // outside
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "800", "--at", At(oldest));
        await CliRunner.RunAsync(home.Path, "record", "--model", "gpt-4o", "--input", "600", "--at", At(now.AddMinutes(-5)));
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "budget", "set", "week", "--period", "7d", "--unit", "tokens", "--limit", "1000", "--hard", "--tz", "UTC")).ExitCode);

        var status = Json((await CliRunner.RunAsync(home.Path, "budget", "status", "--format", "json")).Out).GetProperty("budgets")[0];
        Assert.Equal(1400m, status.GetProperty("spend").GetDecimal());
        Assert.True(status.GetProperty("rolling").GetBoolean());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("periodEnd").ValueKind);
        Assert.Equal(At(oldest.AddDays(7)), DateTimeOffset.Parse(status.GetProperty("rollsOffAt").GetString()!, CultureInfo.InvariantCulture).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        var table = await CliRunner.RunAsync(home.Path, "budget", "status");
        Assert.Contains("rolling", table.Out, StringComparison.Ordinal);

        var forecast = Json((await CliRunner.RunAsync(home.Path, "forecast", "--budget", "week", "--format", "json")).Out).GetProperty("forecasts")[0];
        Assert.Equal(1400m, forecast.GetProperty("spent").GetDecimal());
        Assert.True(forecast.GetProperty("expected").GetDecimal() >= 1400m);
        Assert.True(forecast.GetProperty("low").GetDecimal() >= 1400m);

        var check = await CliRunner.RunAsync(home.Path, "budget", "check");
        Assert.Equal(3, check.ExitCode);
        Assert.Contains("rolling 7-day window", check.Error, StringComparison.Ordinal);
        var quiet = await CliRunner.RunAsync(home.Path, "budget", "check", "--quiet");
        Assert.Equal(3, quiet.ExitCode);
        Assert.Equal("", quiet.Out);
        Assert.Equal("", quiet.Error);
    }
}
