using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary><c>--prices FILE</c> on the coding-agent views: LiteLLM's file laid over the built-in prices for what the run syncs.</summary>
public sealed class ViewPricesCliTests
{
    [Fact]
    public async Task LiteLLMs_real_file_prices_what_the_view_syncs_and_stored_records_keep_their_cost()
    {
        var prices = SharedData.Find("litellm/model_prices_and_context_window.json");
        Assert.True(prices is not null, "../shared/data/litellm/model_prices_and_context_window.json is missing");
        using var home = new TempDirectory();
        var environment = BlocksCliTests.Environment(home);
        // Claude 3 Opus is not in the built-in catalogue; LiteLLM's file prices it at $15 per million input tokens and
        // $75 per million output tokens: 100,000 in and 10,000 out cost $1.50 + $0.75 = $2.25.
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-w")).FullName;
        File.WriteAllLines(Path.Combine(folder, "s1.jsonl"), [BlocksCliTests.Line("s1", "m1", "2026-03-01T10:00:00.000Z", 100_000, 10_000, "claude-3-opus-20240229")]);

        var priced = await CliRunner.RunAsync(home.Path, environment, "daily", "--prices", prices!, "--tz", "UTC", "--format", "json");
        Assert.True(priced.ExitCode == 0, priced.Error);
        var total = Total(priced.Out);
        Assert.Equal((2.25m, 0L), (total.GetProperty("costUsd").GetDecimal(), total.GetProperty("unpricedRecords").GetInt64()));

        // A second session synced without --prices is unpriced (the built-in catalogue has no Claude 3 Opus); the first
        // keeps the cost it was stored with.
        File.WriteAllLines(Path.Combine(folder, "s2.jsonl"), [BlocksCliTests.Line("s2", "m2", "2026-03-01T11:00:00.000Z", 100_000, 10_000, "claude-3-opus-20240229")]);
        var plain = await CliRunner.RunAsync(home.Path, environment, "daily", "--tz", "UTC", "--format", "json");
        total = Total(plain.Out);
        Assert.Equal((2.25m, 1L, 2L), (total.GetProperty("costUsd").GetDecimal(), total.GetProperty("unpricedRecords").GetInt64(), total.GetProperty("records").GetInt64()));

        // The blocks view takes --prices too, with nothing new to sync it changes nothing stored.
        var blocks = await CliRunner.RunAsync(home.Path, environment, "blocks", "--prices", prices!, "--format", "json");
        Assert.True(blocks.ExitCode == 0, blocks.Error);
        Assert.Equal(2.25m, Total(blocks.Out).GetProperty("costUsd").GetDecimal());
    }

    [Fact]
    public async Task A_malformed_price_file_is_exit_2_naming_the_file_and_the_position_and_nothing_is_synced()
    {
        using var home = new TempDirectory();
        var environment = BlocksCliTests.Environment(home);
        var folder = Directory.CreateDirectory(Path.Combine(home.Path, "claude", "projects", "-w")).FullName;
        File.WriteAllLines(Path.Combine(folder, "s1.jsonl"), [BlocksCliTests.Line("s1", "m1", "2026-03-01T10:00:00.000Z", 100, 10)]);
        // A comma missing after the first price: the fourth line's first character, after four spaces, is unexpected.
        var file = home.File("prices.json");
        File.WriteAllText(file, "{\n  \"claude-x\": {\n    \"input_cost_per_token\": 1e-06\n    \"output_cost_per_token\": 2e-06\n  }\n}\n");

        foreach (var view in new[] { "daily", "weekly", "monthly", "session", "blocks" })
        {
            var result = await CliRunner.RunAsync(home.Path, environment, view, "--prices", file);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"--prices {file}: line 4, byte 5: not a LiteLLM price catalogue", result.Error, StringComparison.Ordinal);
        }

        var missing = await CliRunner.RunAsync(home.Path, environment, "daily", "--prices", home.File("none.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains($"--prices {home.File("none.json")}: cannot be read", missing.Error, StringComparison.Ordinal);

        // The views stopped before syncing: the ledger was never created.
        Assert.False(File.Exists(Path.Combine(home.Path, "usage.db")));
    }

    private static JsonElement Total(string json) => JsonDocument.Parse(json).RootElement.GetProperty("total");
}
