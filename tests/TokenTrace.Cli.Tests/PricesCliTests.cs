using System.Text.Json;
using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary><c>prices show</c> explains each resolution step and which layer gave each rate; <c>prices import</c> keeps built-in rates.</summary>
public sealed class PricesCliTests
{
    private static JsonElement Price(string json) => JsonDocument.Parse(json).RootElement.GetProperty("price");

    [Fact]
    public async Task Prices_show_explains_normalization_and_the_layer_of_each_rate()
    {
        using var home = new TempDirectory();
        var show = await CliRunner.RunAsync(home.Path, "prices", "show", "openrouter/anthropic/claude-sonnet-4.5", "--format", "json");
        Assert.Equal(0, show.ExitCode);
        var root = JsonDocument.Parse(show.Out).RootElement;
        Assert.Equal("dotted version", root.GetProperty("rule").GetString());
        Assert.Contains(root.GetProperty("steps").EnumerateArray(), s => s.GetString()!.StartsWith("prefix removed: 'claude-sonnet-4.5' not listed", StringComparison.Ordinal));

        // Anthropic, https://docs.claude.com/en/docs/about-claude/pricing: Sonnet 4.5 $3 input per MTok.
        Assert.Equal(3m, Price(show.Out).GetProperty("perMillionTokens").GetProperty("input").GetDecimal());
        Assert.StartsWith("builtin@", Price(show.Out).GetProperty("rateSources").GetProperty("input").GetString(), StringComparison.Ordinal);

        var text = await CliRunner.RunAsync(home.Path, "prices", "show", "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Bedrock regional endpoint 'us.': +10 %", text.Out, StringComparison.Ordinal);
        Assert.Contains("from builtin@", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prices_show_prices_a_snapshot_at_its_own_price_and_refuses_an_unknown_one_naming_the_nearest_entry()
    {
        using var home = new TempDirectory();

        // OpenAI: gpt-4o-2024-05-13 is $5/$15 per MTok, not gpt-4o's $2.50/$10.
        var known = await CliRunner.RunAsync(home.Path, "prices", "show", "gpt-4o-2024-05-13", "--at", "2024-06-01", "--format", "json");
        Assert.Equal(0, known.ExitCode);
        Assert.Equal(5m, Price(known.Out).GetProperty("perMillionTokens").GetProperty("input").GetDecimal());

        foreach (var at in new[] { "2024-06-01", "2026-11-01" })
        {
            var unknown = await CliRunner.RunAsync(home.Path, "prices", "show", "gpt-4o-2023-01-01", "--at", at);
            Assert.Equal(2, unknown.ExitCode);
            Assert.Contains("nearest entry is 'gpt-4o'", unknown.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Importing_LiteLLMs_file_keeps_built_in_batch_rates_and_the_providers_own_entry()
    {
        var path = SharedData.Find("litellm/model_prices_and_context_window.json");
        Assert.True(path is not null, "../shared/data/litellm/model_prices_and_context_window.json is missing");
        using var home = new TempDirectory();
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, "prices", "import", path)).ExitCode);

        // Anthropic: Sonnet 4.5 batch $1.50 per MTok input; LiteLLM's entry gives no batch rate, so the built-in one stays.
        var sonnet = Price((await CliRunner.RunAsync(home.Path, "prices", "show", "claude-sonnet-4-5", "--format", "json")).Out);
        Assert.Equal(1.5m, sonnet.GetProperty("serviceTiers").GetProperty("batch").GetProperty("input").GetDecimal());
        Assert.StartsWith("builtin@", sonnet.GetProperty("rateSources").GetProperty("tiers.batch.input").GetString(), StringComparison.Ordinal);
        Assert.Equal("litellm:litellm.json", sonnet.GetProperty("rateSources").GetProperty("input").GetString());

        // Google's own Gemini 2.5 Pro, not LiteLLM's Vertex AI entry of the same name.
        var gemini = Price((await CliRunner.RunAsync(home.Path, "prices", "show", "gemini-2.5-pro", "--provider", "google", "--format", "json")).Out);
        Assert.Equal("google", gemini.GetProperty("provider").GetString());
        Assert.Equal(0.625m, gemini.GetProperty("serviceTiers").GetProperty("batch").GetProperty("input").GetDecimal());
    }
}
