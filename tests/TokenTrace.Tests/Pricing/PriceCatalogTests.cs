namespace TokenTrace.Tests;

public sealed class PriceCatalogTests
{
    [Theory]
    [InlineData("claude-sonnet-4-5", null, "claude-sonnet-4-5", "exact")]
    [InlineData("claude-sonnet-4-5-20250929", null, "claude-sonnet-4-5", "alias")]
    [InlineData("anthropic/claude-sonnet-4-5", null, "claude-sonnet-4-5", "prefix removed")]
    [InlineData("openrouter/anthropic/claude-haiku-4-5", null, "claude-haiku-4-5", "prefix removed")]
    [InlineData("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "claude-sonnet-4-5", "suffix removed, alias, Bedrock regional")]
    [InlineData("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "claude-sonnet-4-5", "suffix removed, alias")]
    [InlineData("claude-sonnet-4-5@20250929", "vertex", "claude-sonnet-4-5", "suffix removed")]
    [InlineData("gpt-4o-2024-11-20", null, "gpt-4o-2024-08-06", "alias")]
    [InlineData("claude-sonnet-4-5-20251015", null, "claude-sonnet-4-5", "suffix removed")]
    [InlineData("openrouter/anthropic/claude-sonnet-4.5", null, "claude-sonnet-4-5", "dotted version")]
    [InlineData("mistral-large-latest", "mistral", "mistral-large", "alias")]
    [InlineData("us.amazon.nova-pro-v1:0", null, "nova-pro", "suffix removed")]
    public void Model_names_resolve_by_the_documented_rules(string model, string? provider, string entry, string rule)
    {
        var resolution = PriceCatalog.BuiltIn.Resolve(model, provider);
        Assert.NotNull(resolution);
        Assert.Equal(entry, resolution.Price.Name);
        Assert.Equal(rule, resolution.Rule);
    }

    [Fact]
    public void An_unknown_model_is_reported_not_guessed()
    {
        Assert.Null(PriceCatalog.BuiltIn.Resolve("claude-sonnet-9"));
        Assert.Null(PriceCatalog.BuiltIn.Find("totally-unknown-model"));
        Assert.NotEmpty(PriceCatalog.BuiltIn.Explain("totally-unknown-model"));
    }

    [Fact]
    public void Old_records_keep_old_prices()
    {
        var before = PriceCatalog.BuiltIn.Find("deepseek-chat", at: new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero))!;
        var after = PriceCatalog.BuiltIn.Find("deepseek-chat", at: new DateTimeOffset(2025, 10, 1, 0, 0, 0, TimeSpan.Zero))!;
        Assert.Equal(0.00000027m, before.Rates.Input);
        Assert.Equal(0.00000028m, after.Rates.Input);
        Assert.Equal(new DateOnly(2025, 9, 29), after.EffectiveFrom);
    }

    [Fact]
    public void The_builtin_catalogue_covers_at_least_60_models_from_every_provider_with_sources_and_dates()
    {
        var current = PriceCatalog.BuiltIn.Current().ToList();
        Assert.True(current.Count >= 60, $"{current.Count} models");
        foreach (var provider in new[] { "openai", "anthropic", "google", "mistral", "deepseek", "xai", "amazon", "cohere", "groq", "together", "bedrock" })
        {
            Assert.Contains(current, p => p.Provider == provider);
        }

        Assert.All(PriceCatalog.BuiltIn.Entries, p =>
        {
            Assert.NotNull(p.EffectiveFrom);
            Assert.StartsWith("https://", p.Source, StringComparison.Ordinal);
            Assert.NotNull(p.Rates.Input);
        });
    }

    [Fact]
    public void Later_layers_win_and_user_patterns_resolve_before_suffix_rules()
    {
        var catalog = PriceCatalog.CreateBuilder()
            .AddLayer("config", [new ModelPrice { Name = "gpt-4o", Rates = new TokenRates { Input = 0.000001m, Output = 0.000002m } }])
            .AddPattern("^ft:gpt-4o", "gpt-4o")
            .AddAlias("house-model", "claude-haiku-4-5")
            .Build();
        Assert.Equal(0.000001m, catalog.Find("gpt-4o")!.Rates.Input);
        Assert.Equal("config", catalog.Find("gpt-4o")!.Catalog);
        Assert.Equal("gpt-4o", catalog.Resolve("ft:gpt-4o:acme:custom:abc123")!.Price.Name);
        Assert.Equal("claude-haiku-4-5", catalog.Find("house-model")!.Name);
    }
}
