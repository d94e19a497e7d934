using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TokenTrace.Tests;

public sealed class LiteLlmCatalogReaderTests
{
    [Fact]
    public void Every_chat_entry_with_token_prices_in_the_real_catalogue_loads_and_prices_exactly()
    {
        var path = SharedData.Find("litellm/model_prices_and_context_window.json");
        Assert.True(path is not null, "../shared/data/litellm/model_prices_and_context_window.json is missing");
        var sheet = LiteLlmCatalogReader.ReadFile(path);
        var catalog = PriceCatalog.CreateBuilder(includeBuiltIn: false).AddLayer(sheet.Layer, sheet.Prices).Build();

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var checkedEntries = 0;
        var overBound = 0;
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            var e = entry.Value;
            if (entry.Name == "sample_spec" || e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("mode", out var mode) || mode.GetString() != "chat"
                || !e.TryGetProperty("input_cost_per_token", out var input) || !e.TryGetProperty("output_cost_per_token", out var output))
            {
                continue;
            }

            var inRate = decimal.Parse(input.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
            var outRate = decimal.Parse(output.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
            if (inRate > UsageLimits.MaxRatePerToken || outRate > UsageLimits.MaxRatePerToken)
            {
                // Over the documented bound (a few entries quote a price per thousand tokens as per token): skipped with a reason, never loaded.
                Assert.Contains(sheet.Skipped, s => s.Name == entry.Name && s.Reason.Contains("0.01", StringComparison.Ordinal));
                Assert.Null(catalog.Find(entry.Name));
                overBound++;
                continue;
            }

            var price = catalog.Find(entry.Name);
            Assert.True(price is not null, $"{entry.Name} did not load");
            var cost = CostCalculator.Calculate(price, new TokenCounts { Input = 1000, Output = 1000 });
            Assert.True(cost.Total is not null, $"{entry.Name}: {cost.Problem}");
            Assert.Equal((1000 * inRate) + (1000 * outRate) + (price.PerRequest ?? 0), cost.Total.Value);
            checkedEntries++;
        }

        Assert.True(checkedEntries > 2000, $"only {checkedEntries} chat entries checked");
        Assert.InRange(overBound, 1, 20);
    }

    [Fact]
    public void Long_context_1h_cache_and_tier_fields_are_read()
    {
        var path = SharedData.Find("litellm/model_prices_and_context_window.json")!;
        var sheet = LiteLlmCatalogReader.ReadFile(path);
        var sonnet = sheet.Prices.Single(p => p.Name == "claude-sonnet-4-5");
        Assert.Equal(0.000006m, sonnet.Rates.CacheWrite1h);
        var longContext = Assert.Single(sonnet.LongContext);
        Assert.Equal(200_000, longContext.AboveTokens);
        Assert.Equal(0.000012m, longContext.Rates.CacheWrite1h);
        var gpt4o = sheet.Prices.Single(p => p.Name == "gpt-4o");
        Assert.Equal(0.00000125m, gpt4o.ServiceTiers["batch"].Input);
        Assert.Equal(0.00000425m, gpt4o.ServiceTiers["priority"].Input);
        Assert.DoesNotContain(sheet.Prices, p => p.Name == "sample_spec");
    }

    [Fact]
    public void Unknown_fields_are_ignored_and_bad_prices_are_skipped_with_a_reason()
    {
        var json = """{"sample_spec":{"input_cost_per_token":"text"},"good":{"input_cost_per_token":1e-06,"output_cost_per_token":2e-06,"future_field":{"x":1}},"bad":{"input_cost_per_token":"cheap"},"noprice":{"mode":"chat"}}""";
        var sheet = LiteLlmCatalogReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test");
        Assert.Equal("good", Assert.Single(sheet.Prices).Name);
        Assert.Contains(sheet.Skipped, s => s.Name == "bad" && s.Reason.Contains("input_cost_per_token", StringComparison.Ordinal));
        Assert.Contains(sheet.Skipped, s => s.Name == "noprice");
    }
}
