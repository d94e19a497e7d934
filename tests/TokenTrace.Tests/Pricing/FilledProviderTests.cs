namespace TokenTrace.Tests;

/// <summary>The provider the pipeline stores for a record given without one: the seller, under one name.</summary>
public sealed class FilledProviderTests
{
    [Theory]
    [InlineData("claude-sonnet-4-5", "anthropic")]
    [InlineData("gpt-4o-2024-05-13", "openai")]
    [InlineData("us.anthropic.claude-sonnet-4-20250514-v1:0", "bedrock")] // a Bedrock id priced at the maker's rates is still bought on Bedrock
    [InlineData("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock")]
    [InlineData("openrouter/anthropic/claude-sonnet-4.5", "openrouter")]
    public void A_record_without_a_provider_gets_its_seller(string model, string provider)
    {
        var prepared = new UsageRecordPipeline().Prepare(Call(model));
        Assert.NotNull(prepared.CostUsd);
        Assert.Equal(provider, prepared.Provider);
    }

    [Fact]
    public void A_provider_from_an_imported_litellm_entry_is_stored_under_the_sellers_one_name()
    {
        var path = SharedData.Find("litellm/model_prices_and_context_window.json");
        Assert.True(path is not null, "../shared/data/litellm/model_prices_and_context_window.json is missing");
        var sheet = LiteLlmCatalogReader.ReadFile(path);
        var catalog = PriceCatalog.CreateBuilder().AddLayer(sheet.Layer, sheet.Prices).Build();
        var pipeline = new UsageRecordPipeline(new UsageRecordPipelineOptions { Catalog = catalog });

        // LiteLLM lists this one only under "vertex_ai-language-models" (a model the built-in sheet does not have).
        var vertexOnly = pipeline.Prepare(Call("deep-research-pro-preview-12-2025"));
        Assert.NotNull(vertexOnly.CostUsd);
        Assert.Equal("vertex", vertexOnly.Provider);
    }

    private static UsageRecord Call(string model) =>
        new() { Id = model, Timestamp = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), Model = model, Tokens = new TokenCounts { Input = 1000, Output = 100 } };
}
